using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Configuration;

/// <summary>
/// Where settings come from, in increasing precedence: <c>appsettings.json</c> beside the
/// executable (the repository's root file, copied at build), an optional <c>appsettings.json</c>
/// in the working directory, environment variables (<c>Mqtt__Port=1884</c>) and command-line
/// overrides (<c>--Mqtt:Port=1884</c>).
/// </summary>
public static class ServiceConfiguration
{
    public static IConfigurationRoot Load(IReadOnlyList<string> overrides)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false, reloadOnChange: false);
        var local = Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
        if (!string.Equals(Path.GetFullPath(local), Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "appsettings.json")),
                StringComparison.Ordinal))
            builder.AddJsonFile(local, optional: true, reloadOnChange: false);
        return builder
            .AddEnvironmentVariables()
            .AddCommandLine(overrides.ToArray())
            .Build();
    }
}
