namespace MaskStream.Detector;

/// <summary>The detector cannot start (a bad model, or a device that is not available): one line for the user.</summary>
public class DetectorException(string message, Exception? inner = null) : Exception(message, inner);
