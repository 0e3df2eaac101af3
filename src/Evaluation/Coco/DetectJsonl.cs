using System.Text.Json;

namespace MaskStream.Evaluation.Coco;

/// <summary>
/// The JSONL of <c>maskstream detect</c>, one frame per line:
/// <c>{"frame":i,"source":"file.jpg","width":W,"height":H,"objects":[{"class_id","class","score",
/// "bbox":[x1,y1,x2,y2],"mask":{"size":[H,W],"counts":"…"},"keypoints":[[x,y,score],…]}]}</c>.
/// A line's <c>source</c> names its image: it must equal an <c>images[].file_name</c> of the
/// ground truth, or, failing that, have the same file name without directories. The model's
/// <c>class_id</c> is taken as the dataset's category id (the detector is trained on the dataset's
/// ids). Each object becomes the COCO result the iou type evaluates: a bbox (xyxy → xywh), a
/// segmentation without bbox (so loadRes takes area and box from the mask, as for COCO's own segm
/// results), or keypoints (area and box from the keypoint extremes). A segm result is ranked by the object's
/// <c>mask_score</c> and a keypoint result by its <c>keypoint_score</c> where the line has them (the detector's scores of
/// the mask and the pose, <c>InstanceScores</c>), as COCO ranks each result type by its own score; by <c>score</c> (the
/// box's) otherwise, or always with <c>boxScores</c>.
/// </summary>
internal static class DetectJsonl
{
    public static List<CocoResult> Read(string text, string source, CocoGroundTruth groundTruth, CocoIouType iouType, bool boxScores = false)
    {
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        var byBaseName = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var image in groundTruth.Images)
        {
            if (image.FileName is null)
                continue;
            byName[image.FileName] = image.Id;
            string baseName = Path.GetFileName(image.FileName);
            // Two images with one base name make the base name ambiguous (null).
            byBaseName[baseName] = byBaseName.ContainsKey(baseName) ? null : image.Id;
        }
        var categoryIds = groundTruth.Categories.Select(c => c.Id).ToHashSet();
        var keypointCategoryIds = groundTruth.Categories.Where(c => c.HasKeypoints).Select(c => c.Id).ToHashSet();

        // The field that ranks this result type, when the lines have it (null: the box's "score").
        string? ownScore = boxScores ? null : iouType switch
        {
            CocoIouType.Segm => "mask_score",
            CocoIouType.Keypoints => "keypoint_score",
            _ => null,
        };
        var results = new List<CocoResult>();
        int lineNumber = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0)
                continue;
            string ctx = $"{source}: line {lineNumber}";
            using var doc = CocoJson.Parse(line, source, lineNumber);
            var frame = doc.RootElement;
            if (frame.ValueKind != JsonValueKind.Object)
                throw new EvaluationInputException($"{ctx}: must be a JSON object.");
            var src = CocoJson.Required(frame, "source", ctx);
            if (src.ValueKind != JsonValueKind.String)
                throw new EvaluationInputException($"{ctx}: field 'source' must be a string (the image file name).");
            string name = src.GetString()!;
            long imageId;
            if (byName.TryGetValue(name, out long exact))
                imageId = exact;
            else if (byBaseName.TryGetValue(Path.GetFileName(name), out long? viaBase) && viaBase is { } id)
                imageId = id;
            else
                throw new EvaluationInputException($"{ctx}: field 'source' = \"{name}\" matches no images[].file_name of the ground truth.");

            var objects = CocoJson.Required(frame, "objects", ctx);
            if (objects.ValueKind != JsonValueKind.Array)
                throw new EvaluationInputException($"{ctx}: field 'objects' must be an array.");
            int j = 0;
            foreach (var obj in objects.EnumerateArray())
            {
                string octx = $"{ctx}: objects[{j++}]";
                long categoryId = CocoJson.Id(obj, "class_id", octx);
                if (!categoryIds.Contains(categoryId))
                    throw new EvaluationInputException($"{octx}: field 'class_id' = {categoryId} is not a category id of the ground truth.");
                double score = CocoJson.Number(CocoJson.Required(obj, "score", octx), "score", octx);
                if (ownScore is not null && obj.TryGetProperty(ownScore, out var own) && own.ValueKind != JsonValueKind.Null)
                    score = CocoJson.Number(own, ownScore, octx);
                var result = new CocoResult { ImageId = imageId, CategoryId = categoryId, Score = score };
                switch (iouType)
                {
                    case CocoIouType.Bbox:
                        var b = CocoJson.Numbers(CocoJson.Required(obj, "bbox", octx), "bbox", octx);
                        if (b.Length != 4)
                            throw new EvaluationInputException($"{octx}: field 'bbox' must have 4 numbers [x1, y1, x2, y2], got {b.Length}.");
                        result = result with { Bbox = new CocoBox(b[0], b[1], b[2] - b[0], b[3] - b[1]) };
                        break;
                    case CocoIouType.Segm:
                        if (!obj.TryGetProperty("mask", out var mask) || mask.ValueKind == JsonValueKind.Null)
                            throw new EvaluationInputException($"{octx}: field 'mask' is missing; segm evaluation needs masks.");
                        result = result with { Segmentation = CocoJson.Segmentation(mask, octx) };
                        break;
                    case CocoIouType.Keypoints:
                        // The detector reports keypoints only for its keypoint class; other objects
                        // are not keypoint detections (and their categories are not evaluated).
                        if (!obj.TryGetProperty("keypoints", out var kps) || kps.ValueKind == JsonValueKind.Null)
                        {
                            if (keypointCategoryIds.Count > 0 && !keypointCategoryIds.Contains(categoryId))
                                continue;
                            throw new EvaluationInputException($"{octx}: field 'keypoints' is missing; keypoint evaluation needs it.");
                        }
                        result = result with { Keypoints = Keypoints(kps, octx) };
                        break;
                }
                results.Add(result);
            }
        }
        return results;
    }

    private static double[] Keypoints(JsonElement v, string ctx)
    {
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
            throw new EvaluationInputException($"{ctx}: field 'keypoints' must be a non-empty array of [x, y, score].");
        var flat = new List<double>();
        int i = 0;
        foreach (var kp in v.EnumerateArray())
        {
            var xys = CocoJson.Numbers(kp, $"keypoints[{i}]", ctx);
            if (xys.Length != 3)
                throw new EvaluationInputException($"{ctx}: field 'keypoints[{i}]' must be [x, y, score].");
            flat.AddRange(xys);
            i++;
        }
        return [.. flat];
    }
}
