namespace MaskStream.Detector.Manifest;

/// <summary>A model directory that cannot be used: the message names the file and the problem, for one line of output.</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : DetectorException(message, inner);
