namespace MaskStream.Testing;

internal static class ServiceArguments
{
    /// <summary>
    /// <c>run</c> binds its HTTP endpoint (Http:Url, 127.0.0.1:9464 by default) before anything else starts, so two
    /// services on one machine clash there. Every service a test starts gets a free loopback port unless the test
    /// chose its own <c>--Http:Url</c>. The service is <c>run</c>, or no verb with settings (<c>--Section:Key=value</c>).
    /// </summary>
    public static IEnumerable<string> WithFreeHttpPort(IEnumerable<string> args)
    {
        var list = args.ToList();
        bool service = list.Count > 0 && (list[0] == "run" || (list[0].StartsWith("--", StringComparison.Ordinal) && list[0].Contains(':')));
        if (service && !list.Exists(a => a.StartsWith("--Http:Url", StringComparison.Ordinal)))
            list.Add($"--Http:Url=http://127.0.0.1:{ServiceProcess.FreePort()}");
        return list;
    }
}
