namespace MaskStream.Testing;

internal static class ServiceArguments
{
    /// <summary>
    /// <c>run</c> binds its HTTP endpoint (Http:Url, 127.0.0.1:9464 by default) before anything else starts, so two
    /// services on one machine clash there. Every service a test starts gets a free loopback port unless the test
    /// chose its own <c>--Http:Url</c>.
    /// </summary>
    public static IEnumerable<string> WithFreeHttpPort(IEnumerable<string> args)
    {
        var list = args.ToList();
        if (list.Count > 0 && list[0] == "run" && !list.Exists(a => a.StartsWith("--Http:Url", StringComparison.Ordinal)))
            list.Add($"--Http:Url=http://127.0.0.1:{ServiceProcess.FreePort()}");
        return list;
    }
}
