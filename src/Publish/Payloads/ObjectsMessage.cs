namespace MaskStream.Publish.Payloads;

/// <summary>One processed frame on <c>{prefix}/{camera}/objects</c> (docs/schema/objects.schema.json).
/// <see cref="ObjectsEncoder"/> writes the same JSON without building these records; consumers and tests read it into them.</summary>
/// <param name="Camera">Configured camera id.</param>
/// <param name="Frame">0-based frame number within the source since it opened.</param>
/// <param name="CaptureTime">When the frame was captured, UTC (serialised with a trailing Z).</param>
/// <param name="Pts">Stream presentation timestamp in seconds, when the source has one.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="LatencyMs">Capture → publish time in milliseconds.</param>
/// <param name="BootId">Per-process GUID: with camera and frame it identifies a message, so re-published duplicates can be dropped.</param>
/// <param name="Objects">Tracked objects in this frame.</param>
public sealed record ObjectsMessage(
    string Camera,
    long Frame,
    DateTime CaptureTime,
    double? Pts,
    int Width,
    int Height,
    double LatencyMs,
    Guid BootId,
    IReadOnlyList<ObjectPayload> Objects);

/// <summary>One object: the <c>maskstream detect</c> fields plus its track.</summary>
/// <param name="Bbox">[x1, y1, x2, y2] in frame pixels.</param>
/// <param name="Mask">Full-frame COCO compressed RLE; absent when the model has no mask head.</param>
/// <param name="Keypoints">[[x, y, score], …] in frame pixels; absent when the object has none.</param>
/// <param name="TrackState">new | tracked | lost | removed.</param>
/// <param name="Age">Frames since the track started.</param>
public sealed record ObjectPayload(
    int ClassId,
    string Class,
    float Score,
    float[] Bbox,
    MaskPayload? Mask,
    float[][]? Keypoints,
    long TrackId,
    string TrackState,
    int Age);

/// <summary>COCO RLE as pycocotools writes it: <c>size</c> is [height, width], <c>counts</c> the compressed string.</summary>
public sealed record MaskPayload(int[] Size, string Counts);
