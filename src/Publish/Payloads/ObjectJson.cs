using System.Collections.Immutable;
using System.Text.Json;
using MaskStream.Core.Objects;

namespace MaskStream.Publish.Payloads;

/// <summary>
/// The fields of one object, as every output writes them: the MQTT objects payload, the service's JSONL sink and the
/// offline <c>detect</c>/<c>track</c> JSONL (docs/DESIGN.md, Contracts). One writer, so the formats cannot drift apart.
/// </summary>
public static class ObjectJson
{
    private static readonly JsonEncodedText ClassIdName = JsonEncodedText.Encode("class_id");
    private static readonly JsonEncodedText ClassName = JsonEncodedText.Encode("class");
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText MaskScoreName = JsonEncodedText.Encode("mask_score");
    private static readonly JsonEncodedText KeypointScoreName = JsonEncodedText.Encode("keypoint_score");
    private static readonly JsonEncodedText BboxName = JsonEncodedText.Encode("bbox");
    private static readonly JsonEncodedText MaskName = JsonEncodedText.Encode("mask");
    private static readonly JsonEncodedText SizeName = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText CountsName = JsonEncodedText.Encode("counts");
    private static readonly JsonEncodedText KeypointsName = JsonEncodedText.Encode("keypoints");
    private static readonly JsonEncodedText TrackIdName = JsonEncodedText.Encode("track_id");
    private static readonly JsonEncodedText TrackStateName = JsonEncodedText.Encode("track_state");
    private static readonly JsonEncodedText AgeName = JsonEncodedText.Encode("age");

    // Indexed by TrackState.
    private static readonly JsonEncodedText[] TrackStateValues =
        [JsonEncodedText.Encode("new"), JsonEncodedText.Encode("tracked"), JsonEncodedText.Encode("lost"), JsonEncodedText.Encode("removed")];

    /// <summary>The model's class names, pre-encoded and indexed by class id; ids beyond the list read <c>class_{id}</c>.</summary>
    public static JsonEncodedText[] EncodeClassNames(IReadOnlyList<string> classNames)
    {
        var encoded = new JsonEncodedText[classNames.Count];
        for (var i = 0; i < classNames.Count; i++)
            encoded[i] = JsonEncodedText.Encode(classNames[i]);
        return encoded;
    }

    /// <summary>Name of a class id, <c>class_{id}</c> when the model's list does not have it.</summary>
    public static string ClassNameOf(JsonEncodedText[] classNames, int classId) =>
        (uint)classId < (uint)classNames.Length ? classNames[classId].Value : $"class_{classId}";

    /// <summary>Writes one object: the detection's fields, then the track's when <paramref name="track"/> is given.</summary>
    public static void WriteObject(Utf8JsonWriter w, Detection d, JsonEncodedText[] classNames, TrackedObject? track = null)
    {
        w.WriteStartObject();
        w.WriteNumber(ClassIdName, d.ClassId);
        if ((uint)d.ClassId < (uint)classNames.Length)
            w.WriteString(ClassName, classNames[d.ClassId]);
        else
            w.WriteString(ClassName, ClassNameOf(classNames, d.ClassId));
        w.WriteNumber(ScoreName, d.Score);
        if (d.MaskScore is { } maskScore)
            w.WriteNumber(MaskScoreName, maskScore);
        if (d.KeypointScore is { } keypointScore)
            w.WriteNumber(KeypointScoreName, keypointScore);
        w.WriteStartArray(BboxName);
        w.WriteNumberValue(d.Box.X1);
        w.WriteNumberValue(d.Box.Y1);
        w.WriteNumberValue(d.Box.X2);
        w.WriteNumberValue(d.Box.Y2);
        w.WriteEndArray();
        if (d.Mask is { } mask)
        {
            w.WriteStartObject(MaskName);
            w.WriteStartArray(SizeName);
            w.WriteNumberValue(mask.Height);
            w.WriteNumberValue(mask.Width);
            w.WriteEndArray();
            w.WriteString(CountsName, mask.ToCompressedString());
            w.WriteEndObject();
        }
        if (!d.Keypoints.IsDefaultOrEmpty)
            WriteKeypoints(w, d.Keypoints);
        if (track is not null)
        {
            w.WriteNumber(TrackIdName, track.TrackId);
            w.WriteString(TrackStateName, TrackStateValues[(int)track.State]);
            w.WriteNumber(AgeName, track.Age);
        }
        w.WriteEndObject();
    }

    private static void WriteKeypoints(Utf8JsonWriter w, ImmutableArray<Keypoint> keypoints)
    {
        w.WriteStartArray(KeypointsName);
        foreach (var k in keypoints)
        {
            w.WriteStartArray();
            w.WriteNumberValue(k.X);
            w.WriteNumberValue(k.Y);
            w.WriteNumberValue(k.Score);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
