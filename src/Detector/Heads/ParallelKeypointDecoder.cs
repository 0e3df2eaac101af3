using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;

namespace MaskStream.Detector.Heads;

/// <summary>
/// <see cref="KeypointDecoder"/> over many detections, the detections shared among worker threads (each with its own
/// decoder and scratch). A person's full-size bicubic maps are the cost, and detections are independent, so the
/// results are the same as one decoder's in order. The delegate is cached: a call allocates no closure. One call at
/// a time per instance.
/// </summary>
internal sealed class ParallelKeypointDecoder
{
    private readonly KeypointDecoder[] _decoders;
    private readonly Action<int> _worker;
    private int _next;
    private ReadOnlyMemory<float> _heatmaps;
    private ReadOnlyMemory<BoxF> _boxes;
    private Memory<Keypoint> _keypoints;
    private int _heatmapSize, _joints;

    public ParallelKeypointDecoder(int workers, bool subpixel)
    {
        _decoders = new KeypointDecoder[Math.Max(workers, 1)];
        for (int i = 0; i < _decoders.Length; i++) _decoders[i] = new KeypointDecoder { Subpixel = subpixel };
        _worker = Work;
    }

    /// <param name="heatmaps">[R, J, M, M] heatmaps, row r for box r.</param>
    /// <param name="boxes">R detection boxes the RoIs were pooled from (resized-input pixels).</param>
    /// <param name="keypoints">[R, J] outputs in the boxes' pixel frame.</param>
    public void Decode(ReadOnlyMemory<float> heatmaps, int heatmapSize, ReadOnlyMemory<BoxF> boxes, Memory<Keypoint> keypoints, int joints)
    {
        int r = boxes.Length;
        (_heatmaps, _boxes, _keypoints, _heatmapSize, _joints, _next) = (heatmaps, boxes, keypoints, heatmapSize, joints, -1);
        try
        {
            int workers = Math.Min(_decoders.Length, r);
            if (workers <= 1) Work(0);
            else Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _worker);
        }
        finally
        {
            (_heatmaps, _boxes, _keypoints) = (default, default, default);
        }
    }

    private void Work(int worker)
    {
        var decoder = _decoders[worker];
        int maps = _joints * _heatmapSize * _heatmapSize;
        for (int row = Interlocked.Increment(ref _next); row < _boxes.Length; row = Interlocked.Increment(ref _next))
            decoder.Decode(_heatmaps.Span.Slice(row * maps, maps), _heatmapSize, _boxes.Span[row],
                _keypoints.Span.Slice(row * _joints, _joints));
    }
}
