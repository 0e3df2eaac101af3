using MaskStream.Service.Configuration;
using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Http;

/// <summary>Bad <c>Http</c> and <c>Telemetry</c> settings stop the real executable before anything starts.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class HttpSettingsTests(DetectModelFixture model)
{
    [Theory]
    [InlineData("--Http:Url=https://127.0.0.1:9464", "Http:Url = 'https://127.0.0.1:9464': https is not served")]
    [InlineData("--Http:Url=http://127.0.0.1:99999", "Http:Url = 'http://127.0.0.1:99999': expected http://ADDRESS:PORT")]
    [InlineData("--Http:Url=http://camera-box:9464", "Http:Url = 'http://camera-box:9464': expected http://ADDRESS:PORT with an IP address, localhost or *")]
    [InlineData("--Http:Url=127.0.0.1:9464", "Http:Url = '127.0.0.1:9464': expected http://ADDRESS:PORT")]
    [InlineData("--Http:Port=9464", "Http:Port = '9464': unknown key; Http has StreamMaxFps, Url, WedgedAfter")]
    [InlineData("--Telemetry:TraceSampleRatio=2", "Telemetry:TraceSampleRatio = '2': must be in [0, 1]")]
    [InlineData("--Telemetry:OtlpEndpoint=collector:4317", "Telemetry:OtlpEndpoint = 'collector:4317': expected an http(s) URL")]
    [InlineData("--Telemetry:OtlpProtocol=thrift", "Telemetry:OtlpProtocol = 'thrift': expected one of Grpc, HttpProtobuf")]
    public async Task Run_BadSetting_ExitsWithCode2AndOneLineNamingTheKey(string setting, string expected)
    {
        var r = await MaskStreamProcess.RunAsync(["run", setting]);

        r.AssertOneLineError(expected);
    }

    [Fact]
    public async Task Run_HttpPortTaken_ExitsWithCode2NamingHttpUrl()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var r = await MaskStreamProcess.RunAsync(["run", $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={ServiceProcess.FreePort()}",
            $"--Http:Url=http://127.0.0.1:{port}"]);

        var line = r.AssertOneLineError($"Http:Url = 'http://127.0.0.1:{port}': ");
        Assert.Contains("address already in use", line);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9464", "127.0.0.1:9464")]
    [InlineData("http://localhost:8080/", "127.0.0.1:8080")]
    [InlineData("http://*:9464", "0.0.0.0:9464")]
    [InlineData("http://[::1]:9464", "[::1]:9464")]
    public void ParseUrl_Accepted_GivesTheEndpoint(string url, string endpoint)
    {
        Assert.Equal(endpoint, HttpSettings.ParseUrl(url).ToString());
    }
}
