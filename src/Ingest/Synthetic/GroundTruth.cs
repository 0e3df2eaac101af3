using System.Collections.Immutable;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// The exact truth about one object in one frame.
/// </summary>
/// <param name="TrackId">Stable for the object's whole walk through the scene, never reused.</param>
/// <param name="ClassId">See <see cref="SyntheticClasses"/>.</param>
/// <param name="ClassName">Name of the class.</param>
/// <param name="Mask">Full-frame mask of the object's visible pixels (not hidden by nearer objects or occluders).</param>
/// <param name="Box">Extent of <paramref name="Mask"/> (empty when nothing is visible), xyxy frame pixels.</param>
/// <param name="Area">Visible pixels (= Mask.Area).</param>
/// <param name="UnoccludedArea">Pixels the object covers inside the frame when nothing is in front of it.</param>
/// <param name="Keypoints">For people, the 17 COCO keypoints in frame pixels (pixel centres at integers) with
/// visibility 2 when the pixel is on the person's visible mask, 1 when inside the frame but hidden,
/// 0 when outside the frame; empty for other classes.</param>
/// <param name="LabelValue">The object's value in the frame's label map (1..254; 255 marks occluders, 0 background).</param>
public sealed record GroundTruthObject(
    int TrackId,
    int ClassId,
    string ClassName,
    RleMask Mask,
    BoxF Box,
    long Area,
    long UnoccludedArea,
    ImmutableArray<LabeledKeypoint> Keypoints,
    byte LabelValue)
{
    /// <summary>Visible fraction: visible pixels / unoccluded pixels inside the frame (occlusion only, not truncation by the frame edge).</summary>
    public double Visibility => UnoccludedArea > 0 ? Math.Min(1.0, (double)Area / UnoccludedArea) : 0;

    /// <summary>Keypoints with visibility greater than 0 (COCO num_keypoints).</summary>
    public int LabeledKeypointCount
    {
        get
        {
            int n = 0;
            foreach (var k in Keypoints) if (k.Visibility != KeypointVisibility.NotLabeled) n++;
            return n;
        }
    }
}

/// <summary>
/// Every object at least partly inside the frame (visible or hidden), ordered by track id.
/// </summary>
public sealed record FrameGroundTruth(long FrameNumber, int Width, int Height, ImmutableArray<GroundTruthObject> Objects);
