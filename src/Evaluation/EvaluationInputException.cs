namespace MaskStream.Evaluation;

/// <summary>
/// Bad evaluation input (malformed file, missing or mistyped field, unknown id). The message is one
/// line naming the file, the line or entry, and the field, so the CLI can print it as it is.
/// </summary>
public sealed class EvaluationInputException : Exception
{
    public EvaluationInputException(string message) : base(message) { }

    public EvaluationInputException(string message, Exception inner) : base(message, inner) { }
}
