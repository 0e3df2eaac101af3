namespace MaskStream.Service.Hosting;

/// <summary>The service could not start for a reason the user must fix (a port taken, a broker refusing us): one line,
/// and the exit code the service ends with.</summary>
internal sealed class ServiceStartException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
