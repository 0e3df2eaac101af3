using System.Globalization;
using System.Net;

namespace MaskStream.Service.Configuration;

/// <summary>The <c>Http</c> section: the one HTTP endpoint (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>, the live page).</summary>
public sealed record HttpSettings
{
    public const string Section = "Http";

    /// <summary>Where the endpoint listens: <c>http://IP:port</c>, <c>http://localhost:port</c> or <c>http://*:port</c>
    /// (every interface). Loopback by default: the page shows the cameras' pictures, so exposing it is a choice.
    /// Empty: no HTTP endpoint.</summary>
    public string Url { get; init; } = "http://127.0.0.1:9464";

    /// <summary><c>/healthz</c> fails when a stage has had work waiting this long without finishing any of it.</summary>
    public TimeSpan WedgedAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most frames per second an MJPEG viewer is sent (each one is annotated and JPEG-encoded for it).</summary>
    public double StreamMaxFps { get; init; } = 10;

    public bool Enabled => Url.Length > 0;

    /// <exception cref="ConfigurationException">The first bad value.</exception>
    public void Validate()
    {
        if (Enabled)
            _ = ParseUrl(Url);
        if (WedgedAfter < TimeSpan.FromSeconds(1) || WedgedAfter > TimeSpan.FromHours(1))
            throw new ConfigurationException($"{Section}:WedgedAfter", WedgedAfter.ToString(), "must be in 00:00:01..01:00:00");
        if (!(StreamMaxFps is >= 0.1 and <= 60))
            throw new ConfigurationException($"{Section}:StreamMaxFps", StreamMaxFps.ToString(CultureInfo.InvariantCulture), "must be in 0.1..60");
    }

    /// <summary>The address and port of <see cref="Url"/>.</summary>
    /// <exception cref="ConfigurationException"><see cref="Url"/> is not <c>http://host:port</c> with an IP address,
    /// <c>localhost</c> or <c>*</c> as host.</exception>
    public static IPEndPoint ParseUrl(string url)
    {
        const string Allowed = "expected http://ADDRESS:PORT with an IP address, localhost or * (every interface) and a port in 1..65535, " +
                               "e.g. http://127.0.0.1:9464; empty turns the endpoint off";
        string key = $"{Section}:Url";
        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(key, url, "https is not served; put a TLS proxy in front, or " + Allowed);
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(key, url, Allowed);
        var rest = url["http://".Length..].TrimEnd('/');
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || rest.Contains('/', StringComparison.Ordinal) ||
            !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ConfigurationException(key, url, Allowed);
        var host = rest[..colon];
        if (host is "*" or "+" or "0.0.0.0")
            return new IPEndPoint(IPAddress.Any, port);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return new IPEndPoint(IPAddress.Loopback, port);
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : throw new ConfigurationException(key, url, Allowed);
    }
}
