using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Detector.Manifest;
using MaskStream.Service.Cli;

namespace MaskStream.Service.Http;

/// <summary>The cameras' live pictures (see <see cref="CameraView"/>), by camera id.</summary>
internal sealed class LiveView : IDisposable
{
    private readonly Dictionary<string, CameraView> _views;

    public LiveView(IEnumerable<string> cameraIds, ModelManifest manifest)
    {
        _views = cameraIds.ToDictionary(id => id, id => new CameraView(id, new Annotator(manifest)), StringComparer.Ordinal);
    }

    public IEnumerable<string> Ids => _views.Keys;

    public bool TryGet(string camera, out CameraView view) => _views.TryGetValue(camera, out view!);

    public void Offer(Frame frame)
    {
        if (_views.TryGetValue(frame.Info.CameraId, out var view))
            view.Offer(frame);
    }

    public void Offer(TrackedFrame frame)
    {
        if (_views.TryGetValue(frame.Info.CameraId, out var view))
            view.Offer(frame);
    }

    public void Dispose()
    {
        foreach (var view in _views.Values)
            view.Dispose();
    }
}
