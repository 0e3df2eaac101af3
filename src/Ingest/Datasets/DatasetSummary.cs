namespace MaskStream.Ingest.Datasets;

/// <summary>What a dataset writer wrote.</summary>
/// <param name="Items">Images (COCO) or frames (MOT).</param>
/// <param name="AnnotationsPerClass">Class name → annotations (COCO) or rows (MOT) written.</param>
/// <param name="SkippedTiny">Objects left out because too little of them is visible.</param>
/// <param name="Elapsed">Wall-clock time.</param>
public sealed record DatasetSummary(int Items, IReadOnlyDictionary<string, int> AnnotationsPerClass, int SkippedTiny, TimeSpan Elapsed);
