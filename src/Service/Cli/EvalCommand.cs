using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MaskStream.Evaluation;
using MaskStream.Evaluation.Coco;
using MaskStream.Evaluation.Mot;
using MaskStream.Evaluation.Walkers;
using MaskStream.Tracking;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream eval coco|mot|walkers</c>: COCO AP (pycocotools' COCOeval numbers and summary),
/// tracking metrics (py-motmetrics names plus TrackEval's HOTA family), and both trackers on the synthetic walkers
/// with ground-truth detections (issue 7's protocol (a), docs/TRACKING.md).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var cmd = new Command("eval", "Accuracy of detections (COCO AP) or tracks (CLEAR-MOT, IDF1, HOTA) against ground truth.");
        cmd.Subcommands.Add(CreateCoco());
        cmd.Subcommands.Add(CreateMot());
        cmd.Subcommands.Add(CreateWalkers());
        return cmd;
    }

    private static Command CreateWalkers()
    {
        var seeds = new Option<string>("--seeds")
        {
            Description = "Walkers seeds: ranges and single seeds, comma-separated (e.g. 1-12,61-100).",
            DefaultValueFactory = _ => "1-20",
        };
        var tracking = new Option<string[]>("--tracking")
        {
            Description = "A tracker setting KEY=VALUE over the protocol's (defaults, lost tracks reported for 2 frames), as in " +
                          "appsettings.json's Tracking section; repeat for more.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write every seed's figures and the totals as JSON." };
        var cmd = new Command("walkers",
            "ByteTracker and the IoU tracker on synthetic walkers (300 frames each) with the ground-truth boxes as detections, " +
            "jittered, 10% dropped, false positives added: IDF1, MOTA, HOTA and id switches per seed, and issue 7's bar " +
            "(IDF1 >= 0.95 and fewer switches than the IoU tracker).");
        cmd.Options.Add(seeds);
        cmd.Options.Add(tracking);
        cmd.Options.Add(json);
        cmd.SetAction(r =>
        {
            var list = ParseSeeds(r.GetValue(seeds)!);
            var settings = r.GetValue(tracking) ?? [];
            var options = TrackCommand.ReadTrackerOptions(settings);
            if (!settings.Any(x => x.Split('=')[0].Trim().Equals(nameof(TrackerOptions.ReportLostTracksFor), StringComparison.OrdinalIgnoreCase)))
                options = options with { ReportLostTracksFor = WalkersProtocol.Options.ReportLostTracksFor };
            var results = new WalkersResult[list.Count];
            Parallel.For(0, list.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => results[i] = WalkersProtocol.Evaluate(list[i], options));
            foreach (string line in WalkersReport(results))
                Console.WriteLine(line);
            if (r.GetValue(json) is { } outFile)
                WriteWalkersJson(outFile.FullName, results);
            return 0;
        });
        return cmd;
    }

    /// <summary>Seeds from "1-12,61-100,7": ranges inclusive, in the order given, each once.</summary>
    internal static List<ulong> ParseSeeds(string text)
    {
        const int MaxSeeds = 10_000;
        var seeds = new List<ulong>();
        var seen = new HashSet<ulong>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = part.IndexOf('-');
            string first = dash < 0 ? part : part[..dash], last = dash < 0 ? part : part[(dash + 1)..];
            if (!ulong.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out ulong a) ||
                !ulong.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out ulong b) || b < a)
                throw new CliException($"--seeds {text}: '{part}' is neither a seed nor a range A-B with A <= B (e.g. --seeds 1-12,61-100)");
            if (b - a >= MaxSeeds)
                throw new CliException($"--seeds {text}: '{part}' holds more than {MaxSeeds} seeds");
            for (ulong s = a; s <= b; s++)
            {
                if (seen.Add(s)) seeds.Add(s);
                if (seeds.Count > MaxSeeds) throw new CliException($"--seeds {text}: more than {MaxSeeds} seeds");
            }
        }
        if (seeds.Count == 0) throw new CliException($"--seeds '{text}': no seed given (e.g. --seeds 1-20)");
        return seeds;
    }

    internal static IEnumerable<string> WalkersReport(IReadOnlyList<WalkersResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "seed   byte IDF1   MOTA   HOTA  IDSW    iou IDF1   MOTA   HOTA  IDSW   bar";
        foreach (var x in results)
            yield return string.Create(c, $"{x.Seed,4}   {x.Byte.Idf1,9:0.0000} {x.Byte.Mota,6:0.0000} {x.ByteHota,6:0.0000} {x.Byte.NumSwitches,5}    ") +
                         string.Create(c, $"{x.Iou.Idf1,8:0.0000} {x.Iou.Mota,6:0.0000} {x.IouHota,6:0.0000} {x.Iou.NumSwitches,5}   {(x.MeetsBar ? "met" : "not met")}");
        var missed = results.Where(x => !x.MeetsBar).Select(x => x.Seed.ToString(c)).ToArray();
        yield return
            string.Create(c, $"{results.Count} seeds: ByteTracker mean IDF1 {results.Average(x => x.Byte.Idf1):0.0000}, mean MOTA {results.Average(x => x.Byte.Mota):0.0000}, ") +
            string.Create(c, $"{results.Sum(x => x.Byte.NumSwitches)} id switches; IouTracker mean IDF1 {results.Average(x => x.Iou.Idf1):0.0000}, ") +
            string.Create(c, $"{results.Sum(x => x.Iou.NumSwitches)} id switches; bar met on {results.Count - missed.Length} of {results.Count}") +
            (missed.Length > 0 ? $" (not: {string.Join(", ", missed)})" : "");
    }

    private static void WriteWalkersJson(string path, IReadOnlyList<WalkersResult> results)
    {
        static void Tracker(Utf8JsonWriter w, string name, MotMetrics m, double hota)
        {
            w.WriteStartObject(name);
            w.WriteNumber("idf1", m.Idf1);
            w.WriteNumber("mota", m.Mota);
            w.WriteNumber("hota", hota);
            w.WriteNumber("num_switches", m.NumSwitches);
            w.WriteEndObject();
        }
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("seeds");
            foreach (var x in results)
            {
                w.WriteStartObject();
                w.WriteNumber("seed", x.Seed);
                Tracker(w, "byte", x.Byte, x.ByteHota);
                Tracker(w, "iou", x.Iou, x.IouHota);
                w.WriteBoolean("meets_bar", x.MeetsBar);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("byte_mean_idf1", results.Average(x => x.Byte.Idf1));
            w.WriteNumber("byte_num_switches", results.Sum(x => x.Byte.NumSwitches));
            w.WriteNumber("iou_num_switches", results.Sum(x => x.Iou.NumSwitches));
            w.WriteNumber("bar_met", results.Count(x => x.MeetsBar));
            w.WriteEndObject();
        }
        WriteFile(path, stream.ToArray());
    }

    private static Command CreateCoco()
    {
        var gt = new Option<FileInfo>("--gt") { Description = "COCO ground-truth JSON (images, annotations, categories).", Required = true };
        var dt = new Option<FileInfo>("--dt")
        {
            Description = "Detections: a COCO results JSON array, or the JSONL of 'maskstream detect' (matched to images by file name; class_id = category id).",
            Required = true,
        };
        var iouType = new Option<string>("--iou-type") { Description = "bbox, segm or keypoints.", DefaultValueFactory = _ => "bbox" };
        iouType.AcceptOnlyFromAmong("bbox", "segm", "keypoints");
        var json = new Option<FileInfo?>("--json") { Description = "Also write {\"stats\":[...]} (COCOeval order) to this file." };
        var boxScores = new Option<bool>("--box-scores")
        {
            Description = "Rank masks and poses of detect JSONL by the box's 'score', as torchvision's results are, even where the lines have " +
                          "the mask's and the pose's own scores ('mask_score', 'keypoint_score'), which are used by default.",
        };
        var cmd = new Command("coco", "COCOeval (bbox, segm or keypoints): the 12-line summary (10 for keypoints).");
        cmd.Options.Add(gt);
        cmd.Options.Add(dt);
        cmd.Options.Add(iouType);
        cmd.Options.Add(boxScores);
        cmd.Options.Add(json);
        cmd.SetAction(r =>
        {
            var type = Enum.Parse<CocoIouType>(r.GetValue(iouType)!, ignoreCase: true);
            var result = RunCoco(r.GetValue(gt)!.FullName, r.GetValue(dt)!.FullName, type, r.GetValue(boxScores));
            foreach (string line in result.SummaryLines)
                Console.WriteLine(line);
            if (r.GetValue(json) is { } outFile)
                WriteJson(outFile.FullName, new Dictionary<string, object> { ["stats"] = result.Stats });
            return 0;
        });
        return cmd;
    }

    private static Command CreateMot()
    {
        var gt = new Option<FileInfo>("--gt")
        {
            Description = "Ground truth, MOTChallenge text (frame,id,x,y,w,h,...). Rows whose 7th column is 0 are ignored as MOTChallenge's " +
                          "distractors are: not missed when untracked, and tracker boxes matching them (IoU ≥ 0.5) are dropped.",
            Required = true,
        };
        var tracks = new Option<FileInfo>("--tracks") { Description = "Tracker output, MOTChallenge text (frame,id,x,y,w,h,...).", Required = true };
        var classes = new Option<string?>("--classes") { Description = "Keep only gt rows whose 8th column (class) is in this comma-separated list; default: all rows." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the metrics as JSON (py-motmetrics names plus hota, deta, assa, ...)." };
        var cmd = new Command("mot", "Tracking metrics with IoU ≥ 0.5 matching: py-motmetrics CLEAR-MOT and IDF1, TrackEval HOTA.");
        cmd.Options.Add(gt);
        cmd.Options.Add(tracks);
        cmd.Options.Add(classes);
        cmd.Options.Add(json);
        cmd.SetAction(r =>
        {
            var metrics = RunMot(r.GetValue(gt)!.FullName, r.GetValue(tracks)!.FullName, ParseClasses(r.GetValue(classes)));
            foreach (var (key, value) in metrics)
                Console.WriteLine($"{key,-22} {Format(value)}");
            if (r.GetValue(json) is { } outFile)
                WriteJson(outFile.FullName, metrics);
            return 0;
        });
        return cmd;
    }

    internal static CocoEvalResult RunCoco(string gtPath, string dtPath, CocoIouType iouType, bool boxScores = false)
    {
        try
        {
            var groundTruth = CocoJson.ReadGroundTruthFile(gtPath);
            var detections = CocoJson.ReadDetectionsFile(dtPath, groundTruth, iouType, boxScores);
            return CocoEvaluator.Evaluate(groundTruth, detections, iouType);
        }
        catch (EvaluationInputException e)
        {
            throw new CliException(e.Message, e);
        }
    }

    /// <summary>Metrics in output order, under py-motmetrics' names, then TrackEval's (lower case).</summary>
    internal static List<KeyValuePair<string, object>> RunMot(string gtPath, string tracksPath, IReadOnlySet<int>? classes)
    {
        MotSequence sequence;
        try
        {
            var gt = MotChallengeFile.ReadGroundTruth(gtPath, classes, out var ignored);
            var tracks = MotChallengeFile.Read(tracksPath);
            sequence = IgnoredObjects.Apply(MotChallengeFile.ToSequence(Path.GetFileNameWithoutExtension(gtPath), gt, tracks), ignored);
        }
        catch (EvaluationInputException e)
        {
            throw new CliException(e.Message, e);
        }
        var m = MotMetrics.Evaluate(sequence);
        var te = TrackEvalMetrics.Evaluate(sequence);
        return
        [
            new("mota", m.Mota), new("motp", m.Motp), new("idf1", m.Idf1), new("idp", m.Idp), new("idr", m.Idr),
            new("num_switches", m.NumSwitches), new("num_false_positives", m.NumFalsePositives), new("num_misses", m.NumMisses),
            new("num_fragmentations", m.NumFragmentations), new("mostly_tracked", m.MostlyTracked),
            new("partially_tracked", m.PartiallyTracked), new("mostly_lost", m.MostlyLost), new("num_frames", m.NumFrames),
            new("num_objects", m.NumObjects), new("num_predictions", m.NumPredictions), new("num_matches", m.NumMatches),
            new("precision", m.Precision), new("recall", m.Recall),
            new("hota", te.Hota.Hota), new("deta", te.Hota.DetAMean), new("assa", te.Hota.AssAMean),
            new("detre", te.Hota.DetReMean), new("detpr", te.Hota.DetPrMean), new("assre", te.Hota.AssReMean),
            new("asspr", te.Hota.AssPrMean), new("loca", te.Hota.LocAMean),
            new("trackeval_mota", te.Clear.Mota), new("trackeval_idsw", te.Clear.Idsw), new("trackeval_idf1", te.Identity.Idf1),
        ];
    }

    internal static IReadOnlySet<int>? ParseClasses(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var set = new HashSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int c))
                throw new CliException($"--classes: '{part}' is not an integer class id (expected e.g. --classes 1,2).");
            set.Add(c);
        }
        return set;
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.000000", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void WriteJson(string path, IEnumerable<KeyValuePair<string, object>> values)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (key, value) in values)
            {
                w.WritePropertyName(key);
                WriteValue(w, value);
            }
            w.WriteEndObject();
        }
        WriteFile(path, stream.ToArray());
    }

    private static void WriteFile(string path, byte[] bytes)
    {
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--json {path}: cannot be written: {e.Message}", e);
        }
    }

    private static void WriteValue(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double: w.WriteNullValue(); break; // NaN (e.g. no objects): JSON has no NaN
            case int i: w.WriteNumberValue(i); break;
            case IEnumerable<double> list:
                w.WriteStartArray();
                foreach (double d in list)
                    WriteValue(w, d);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }
}
