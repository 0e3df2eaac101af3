namespace MaskStream.Service.Cli;

/// <summary>
/// A problem with what the user gave us (a flag, a file, a value). The message is printed as one
/// line on stderr and the process exits with code 2.
/// </summary>
public sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);
