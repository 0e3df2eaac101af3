using System.Collections.Immutable;

namespace MaskStream.Ingest.Synthetic;

/// <summary>The object classes of the synthetic world: ids as written to datasets and ground truth.</summary>
public static class SyntheticClasses
{
    /// <summary>An articulated walking figure with the 17 COCO keypoints.</summary>
    public const int Person = 1;

    /// <summary>A car seen from the side: body, cabin with windows, two wheels.</summary>
    public const int Car = 2;

    /// <summary>A four-legged dog seen from the side, trotting.</summary>
    public const int Dog = 3;

    /// <summary>Class id → name; index 0 is the background.</summary>
    public static readonly ImmutableArray<string> Names = ["background", "person", "car", "dog"];

    /// <summary>COCO supercategory of each class, by id.</summary>
    public static readonly ImmutableArray<string> Supercategories = ["", "person", "vehicle", "animal"];

    /// <summary>The object class ids, ascending.</summary>
    public static readonly ImmutableArray<int> Ids = [Person, Car, Dog];

    public static string NameOf(int classId) =>
        classId >= 1 && classId < Names.Length
            ? Names[classId]
            : throw new ArgumentOutOfRangeException(nameof(classId), $"Class id {classId}: expected 1..{Names.Length - 1}.");
}
