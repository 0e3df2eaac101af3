#!/usr/bin/python3
"""torchvision side of the detector comparison (bench/MaskStream.Bench/DetectorStages.cs).

The same model (rebuilt from the model directory's model.json + checkpoint.pt as tools/model/reference.py does),
the same PNG frames, torch.set_num_threads(N), torchvision eager in eval mode under no_grad:

    /usr/bin/python3 bench/detector_torchvision.py --model models/maskstream-tiny \
        --frames /tmp/maskstream-detbench/images --count 20 --threads 2 --runs 3

Every frame is run once to warm up, then --runs times. Stages are timed by wrapping torchvision's own modules and
functions (forward of transform, backbone, rpn.head, rpn, the pools, heads and predictors; postprocess_detections,
maskrcnn_inference, keypointrcnn_inference, paste_masks_in_image), so the per-frame time is the plain model call
with a few perf_counter reads added. Prints the median (and mean) per stage and per frame, in milliseconds.
"""
import argparse
import os
import statistics
import sys
import time
from collections import defaultdict



def _threads_argument(default=2):
    """--threads N from the command line, read before torch loads (argparse runs later)."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(default)


# Debian's torch does its GEMMs in OpenBLAS (pthreads build), whose own thread pool ignores torch.set_num_threads and
# spin-waits between calls: at "--threads 1" torch otherwise used a second core (process CPU twice its wall time).
# Pinned here, before torch loads, so that --threads N is N threads on both sides.
os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_argument())

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "model"))

import reference  # noqa: E402  (load_model_dir, to_tensor: the model and input exactly as the parity fixtures)

# (row name, what it covers) in pipeline order; rows match DetectorStages' rows where both sides have the stage.
ROWS = [
    ("preprocess", "transform: normalise, resize, pad"),
    ("backbone_rpn", "backbone + FPN + RPN head (the backbone_rpn graph)"),
    ("proposals", "anchors, decode, top-k, clip, NMS, post-NMS top-N"),
    ("box RoIAlign", "box_roi_pool"),
    ("box head", "box_head + box_predictor"),
    ("box post-processing", "postprocess_detections"),
    ("mask RoIAlign", "mask_roi_pool"),
    ("mask head", "mask_head + mask_predictor"),
    ("mask sigmoid + paste", "maskrcnn_inference + paste_masks_in_image + rescale"),
    ("keypoint RoIAlign", "keypoint_roi_pool"),
    ("keypoint head", "keypoint_head + keypoint_predictor"),
    ("keypoint decode", "keypointrcnn_inference (heatmaps_to_keypoints)"),
]


class StageClock:
    """Accumulates wall time per row for the current frame."""

    def __init__(self):
        self.current = defaultdict(float)

    def wrap(self, row, fn):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.current[row] += (time.perf_counter() - t) * 1000

        return timed

    def take(self):
        out, self.current = dict(self.current), defaultdict(float)
        return out


def instrument(model, clock):
    import torchvision.models.detection.roi_heads as roi_heads_module

    rh = model.roi_heads

    def module(row, m):
        if m is not None:
            m.forward = clock.wrap(row, m.forward)

    module("preprocess", model.transform)
    module("backbone_rpn", model.backbone)
    module("rpn head", model.rpn.head)
    # rpn.forward contains the head: backbone_rpn = backbone + head, proposals = rpn - head (in main()).
    module("rpn total", model.rpn)
    module("box RoIAlign", rh.box_roi_pool)
    module("box head", rh.box_head)
    module("box head", rh.box_predictor)
    rh.postprocess_detections = clock.wrap("box post-processing", rh.postprocess_detections)
    module("mask RoIAlign", rh.mask_roi_pool)
    module("mask head", rh.mask_head)
    module("mask head", rh.mask_predictor)
    roi_heads_module.maskrcnn_inference = clock.wrap("mask sigmoid + paste", roi_heads_module.maskrcnn_inference)
    module("keypoint RoIAlign", rh.keypoint_roi_pool)
    module("keypoint head", rh.keypoint_head)
    module("keypoint head", rh.keypoint_predictor)
    roi_heads_module.keypointrcnn_inference = clock.wrap("keypoint decode", roi_heads_module.keypointrcnn_inference)
    # transform.postprocess = paste (the expensive part) + rescaling boxes and keypoints
    model.transform.postprocess = clock.wrap("mask sigmoid + paste", model.transform.postprocess)


def read_frames(folder, count):
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".png"))[:count]
    if not files:
        raise SystemExit(f"no .png frames in {folder} (render them with the DetectorStages tool first)")
    return files, [reference.to_tensor(reference._read_image(os.path.join(folder, f))) for f in files]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/maskstream-tiny")
    ap.add_argument("--frames", default="/tmp/maskstream-detbench/images")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--min-score", type=float, default=None,
                    help="box_score_thresh (default: the model's, 0.05): detections below it never reach the mask and "
                         "keypoint heads, as --min-score does in MaskStream")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model, _ = reference.load_model_dir(args.model)
    if args.min_score is not None:
        model.roi_heads.score_thresh = max(args.min_score, model.roi_heads.score_thresh)
    names, images = read_frames(args.frames, args.count)
    clock = StageClock()
    instrument(model, clock)

    per_stage = defaultdict(list)
    per_frame = []
    per_frame_cpu = []
    detections = 0
    with torch.no_grad():
        for img in images:  # warm-up
            detections += len(model([img])[0]["boxes"])
            clock.take()
        for _ in range(args.runs):
            for img in images:
                t, c = time.perf_counter(), time.process_time()
                model([img])
                per_frame.append((time.perf_counter() - t) * 1000)
                per_frame_cpu.append((time.process_time() - c) * 1000)
                stages = clock.take()
                head = stages.pop("rpn head", 0.0)
                stages["backbone_rpn"] = stages.get("backbone_rpn", 0.0) + head
                stages["proposals"] = stages.pop("rpn total", 0.0) - head
                for row, _ in ROWS:
                    per_stage[row].append(stages.get(row, 0.0))

    import torchvision

    h, w = images[0].shape[1:]
    load = " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "n/a"
    print(f"torchvision {torchvision.__version__} eager (torch {torch.__version__}), {args.model}, {len(images)} frames "
          f"{w}x{h} from {args.frames}, torch threads={torch.get_num_threads()}, "
          f"box_score_thresh {model.roi_heads.score_thresh}, {args.runs} timed runs after 1 warm-up, "
          f"{detections / len(images):.1f} detections/frame, load average {load}")
    print("stage                      median ms   mean ms")
    for row, _ in ROWS:
        v = per_stage[row]
        print(f"{row:<26} {statistics.median(v):9.2f} {statistics.fmean(v):9.2f}")
    print(f"{'per frame (model call)':<26} {statistics.median(per_frame):9.2f} {statistics.fmean(per_frame):9.2f}")
    print(f"{'per frame, process CPU':<26} {statistics.median(per_frame_cpu):9.2f} {statistics.fmean(per_frame_cpu):9.2f}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
