using MaskStream.Core.Masks;

namespace MaskStream.Evaluation.Coco;

/// <summary>
/// A port of pycocotools' <c>COCOeval</c> (evaluate, accumulate, summarize) with its default
/// parameters: every image and category of the ground truth, useCats = 1. Numbers agree with
/// pycocotools 2.0.x to float64 precision, including its quirks: <c>loadRes</c> derives detection
/// areas from the first result's fields, area ranges read the gt <c>area</c> field with both bounds
/// inclusive, score ties keep list order (stable sorts), and a crowd gt absorbs any number of
/// detections. Per-image work runs in parallel; results do not depend on the thread count.
/// </summary>
public static class CocoEvaluator
{
    public static CocoEvalResult Evaluate(CocoGroundTruth groundTruth, IReadOnlyList<CocoResult> results, CocoIouType iouType,
        CocoEvalParams? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(results);
        var p = parameters ?? CocoEvalParams.Default(iouType);
        int maxDetLast = p.MaxDets.Max();

        long[] imgIds = [.. groundTruth.Images.Select(i => i.Id).Distinct().Order()];
        long[] catIds = [.. EvaluatedCategories(groundTruth, iouType).Distinct().Order()];
        var imgIndex = new Dictionary<long, int>(imgIds.Length);
        for (int i = 0; i < imgIds.Length; i++)
            imgIndex[imgIds[i]] = i;
        var catIndex = new Dictionary<long, int>(catIds.Length);
        for (int k = 0; k < catIds.Length; k++)
            catIndex[catIds[k]] = k;
        var images = new CocoImage[imgIds.Length];
        foreach (var image in groundTruth.Images)
            images[imgIndex[image.Id]] ??= image;

        // Cells (image, category) in any order; each holds gts in file order and dts in list order.
        var cells = new Dictionary<long, Cell>();
        Cell GetCell(int i, int k)
        {
            long key = (long)k * imgIds.Length + i;
            if (!cells.TryGetValue(key, out var cell))
                cells[key] = cell = new Cell(i, k);
            return cell;
        }
        foreach (var ann in groundTruth.Annotations)
        {
            if (!imgIndex.TryGetValue(ann.ImageId, out int i) || !catIndex.TryGetValue(ann.CategoryId, out int k))
                continue; // getAnnIds(imgIds, catIds) leaves these out
            GetCell(i, k).Gts.Add(ToGt(ann, iouType));
        }
        var dtObjects = LoadResults(results, iouType, imgIndex);
        for (int n = 0; n < results.Count; n++)
        {
            if (!catIndex.TryGetValue(results[n].CategoryId, out int k))
                continue;
            GetCell(imgIndex[results[n].ImageId], k).Dts.Add(dtObjects[n]);
        }

        var cellList = cells.Values.ToArray();
        try
        {
            RasterizeMasks(cellList, images, iouType);
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is EvaluationInputException inner)
        {
            throw inner;
        }

        Parallel.ForEach(cellList, cell => cell.Evaluate(iouType, p, maxDetLast));

        // Accumulate per category, over images in ascending id order.
        var byCategory = new List<Cell>[catIds.Length];
        for (int k = 0; k < catIds.Length; k++)
            byCategory[k] = [];
        foreach (var cell in cellList)
            byCategory[cell.CategoryIndex].Add(cell);
        foreach (var list in byCategory)
            list.Sort((a, b) => a.ImageIndex.CompareTo(b.ImageIndex));

        int tCount = p.IouThresholds.Length, rCount = p.RecallThresholds.Length, kCount = catIds.Length;
        int aCount = p.AreaRanges.Length, mCount = p.MaxDets.Length;
        var precision = new double[tCount * rCount * kCount * aCount * mCount];
        var recall = new double[tCount * kCount * aCount * mCount];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        int[] maxDets = [.. p.MaxDets.Order()];
        Parallel.For(0, kCount, k => Accumulator.Accumulate(byCategory[k], k, p, maxDets, precision, recall, kCount));

        return new CocoEvalResult(iouType, p with { MaxDets = maxDets }, catIds, precision, recall);
    }

    private static EvalObject ToGt(CocoAnnotation ann, CocoIouType iouType) => new()
    {
        Id = ann.Id,
        Area = ann.Area,
        IsCrowd = ann.IsCrowd,
        // An 'ignore' field in the file is overwritten by iscrowd; keypoints also ignore unlabelled persons.
        Ignore = ann.IsCrowd || (iouType == CocoIouType.Keypoints && ann.NumKeypoints == 0),
        Box = ann.Bbox,
        Keypoints = ann.Keypoints,
        Segmentation = ann.Segmentation,
    };

    /// <summary>
    /// <c>COCO.loadRes</c>: ids 1..N in list order; the first result decides the branch (bbox, then
    /// segmentation, then keypoints) and with it how area and bbox are derived for all of them.
    /// </summary>
    private static EvalObject[] LoadResults(IReadOnlyList<CocoResult> results, CocoIouType iouType, Dictionary<long, int> imgIndex)
    {
        var objects = new EvalObject[results.Count];
        if (results.Count == 0)
            return objects;
        var first = results[0];
        for (int n = 0; n < results.Count; n++)
        {
            var r = results[n];
            if (!imgIndex.TryGetValue(r.ImageId, out int imageIndex))
                throw new EvaluationInputException($"result {n}: image_id {r.ImageId} is not an image of the ground truth.");
            var o = new EvalObject { Id = n + 1, Score = r.Score, Keypoints = r.Keypoints, Segmentation = r.Segmentation, ImageIndex = imageIndex };
            if (first.Bbox is not null)
            {
                var bb = r.Bbox ?? throw new EvaluationInputException($"result {n}: field 'bbox' is missing (the first result has one, so all need one).");
                o.Box = bb;
                o.Area = bb.W * bb.H;
                if (r.Segmentation is null)
                {
                    double x1 = bb.X, x2 = bb.X + bb.W, y1 = bb.Y, y2 = bb.Y + bb.H;
                    o.Segmentation = new CocoSegmentation.Polygons([new[] { x1, y1, x1, y2, x2, y2, x2, y1 }]);
                }
            }
            else if (first.Segmentation is not null)
            {
                if (r.Segmentation is null)
                    throw new EvaluationInputException($"result {n}: field 'segmentation' is missing (the first result has one, so all need one).");
                o.AreaFromMask = true;
                if (r.Bbox is { } bb)
                    o.Box = bb;
                else
                    o.BoxFromMask = true;
            }
            else if (first.Keypoints is not null)
            {
                var s = r.Keypoints ?? throw new EvaluationInputException($"result {n}: field 'keypoints' is missing (the first result has one, so all need one).");
                double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity, y0 = double.PositiveInfinity, y1 = double.NegativeInfinity;
                for (int j = 0; j + 1 < s.Length; j += 3)
                {
                    x0 = Math.Min(x0, s[j]);
                    x1 = Math.Max(x1, s[j]);
                    y0 = Math.Min(y0, s[j + 1]);
                    y1 = Math.Max(y1, s[j + 1]);
                }
                o.Area = (x1 - x0) * (y1 - y0);
                o.Box = new CocoBox(x0, y0, x1 - x0, y1 - y0);
            }
            else
            {
                throw new EvaluationInputException("result 0: needs a 'bbox', 'segmentation' or 'keypoints' field.");
            }
            if (iouType == CocoIouType.Keypoints && (r.Keypoints is null || r.Keypoints.Length < 3))
                throw new EvaluationInputException($"result {n}: field 'keypoints' is missing; keypoint evaluation needs it.");
            objects[n] = o;
        }
        return objects;
    }

    /// <summary>
    /// The categories COCOeval runs over (its default: all). For keypoints, a ground truth that mixes
    /// classes evaluates only the categories that define keypoints, as COCO's own person_keypoints
    /// files hold only the person category (pycocotools would fail on annotations without
    /// <c>num_keypoints</c>); with no such category, all.
    /// </summary>
    internal static IEnumerable<long> EvaluatedCategories(CocoGroundTruth groundTruth, CocoIouType iouType)
    {
        bool anyKeypoints = false;
        foreach (var c in groundTruth.Categories) anyKeypoints |= c.HasKeypoints;
        foreach (var c in groundTruth.Categories)
            if (iouType != CocoIouType.Keypoints || !anyKeypoints || c.HasKeypoints)
                yield return c.Id;
    }

    /// <summary>annToRLE for every object that needs a mask, in parallel.</summary>
    private static void RasterizeMasks(Cell[] cells, CocoImage[] images, CocoIouType iouType)
    {
        Parallel.ForEach(cells, cell =>
        {
            var image = images[cell.ImageIndex];
            if (iouType == CocoIouType.Segm)
            {
                foreach (var g in cell.Gts)
                {
                    var seg = g.Segmentation ?? throw new EvaluationInputException($"annotation id {g.Id}: field 'segmentation' is missing; segm evaluation needs it.");
                    g.Mask = ToRle(seg, image, $"annotation id {g.Id}");
                    g.MaskBox = g.Mask.ToBbox();
                }
            }
            foreach (var d in cell.Dts)
            {
                if (iouType != CocoIouType.Segm && !d.AreaFromMask)
                    continue;
                d.Mask = ToRle(d.Segmentation!, image, $"result {d.Id - 1}");
                d.MaskBox = d.Mask.ToBbox();
                if (d.AreaFromMask)
                    d.Area = d.Mask.Area;
                if (d.BoxFromMask)
                    d.Box = new CocoBox(d.MaskBox.X, d.MaskBox.Y, d.MaskBox.W, d.MaskBox.H);
            }
        });
    }

    private static RleMask ToRle(CocoSegmentation segmentation, CocoImage image, string what)
    {
        try
        {
            return segmentation.ToRle(image.Height, image.Width);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new EvaluationInputException($"{what}: field 'segmentation' is not a valid mask: {e.Message}", e);
        }
    }
}
