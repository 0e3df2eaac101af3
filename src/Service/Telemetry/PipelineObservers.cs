using MaskStream.Service.Http;

namespace MaskStream.Service.Telemetry;

/// <summary>Everything that watches the stages: health, metrics, traces and the live view. Each part but the monitor is
/// optional, so a stage built alone (tests, benchmarks) runs without them.</summary>
internal sealed record PipelineObservers(PipelineMonitor Monitor, ServiceMetrics? Metrics = null, FrameTracer? Tracer = null, LiveView? View = null);
