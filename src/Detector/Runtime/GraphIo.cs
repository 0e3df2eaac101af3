using Microsoft.ML.OnnxRuntime;

namespace MaskStream.Detector.Runtime;

/// <summary>One graph's input and output names, fixed at load so a run does not rebuild them.</summary>
internal sealed class GraphIo(InferenceSession session, string inputName, string[] outputNames)
{
    private readonly string[] _inputNames = [inputName];

    /// <summary>Runs the graph on one float tensor that lives in <paramref name="input"/> (pooled, not copied).</summary>
    public GraphOutputs Run(RunOptions runOptions, Memory<float> input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, shape);
        return new GraphOutputs(session.Run(runOptions, _inputNames, [value], outputNames));
    }
}

/// <summary>A graph's outputs, in the order the names were given; read in place, valid until disposed.</summary>
internal readonly struct GraphOutputs(IDisposableReadOnlyCollection<OrtValue> values) : IDisposable
{
    public ReadOnlySpan<float> Tensor(int index, out long[] shape)
    {
        var v = values[index];
        shape = v.GetTensorTypeAndShape().Shape;
        return v.GetTensorDataAsSpan<float>();
    }

    public void Dispose() => values.Dispose();
}
