#!/usr/bin/python3
"""torchvision side of the RoIAlign comparison (bench/MaskStream.Bench/KernelBenchmarks.cs, RoiAlignBenchmarks).

Same feature sizes and the same boxes (same formulas as RoiAlignComparisonShapes), torch.set_num_threads(N):
    /usr/bin/python3 bench/roi_align_torchvision.py --threads 1
Prints the median and min of --runs timed calls per case, in milliseconds.
"""
import argparse
import math
import statistics
import time

import torch
from torchvision.ops import MultiScaleRoIAlign, roi_align


def single_level_rois():
    rows = []
    for i in range(1000):
        x, y = float(i * 7919 % 1088), float(i * 104729 % 800)
        w, h = float(4 + i * 31 % 200), float(4 + i * 17 % 200)
        rows.append([0.0, x, y, x + w, y + h])
    return torch.tensor(rows, dtype=torch.float32)


def box_head_proposals():
    rows = []
    for i in range(1000):
        cx, cy = float(i * 7919 % 1066), float(i * 104729 % 800)
        side = 16 * math.pow(2, 5.2 * (i * 0.6180339887 % 1.0))
        aspect = 0.5 + i * 0.7548776662 % 1.0 * 1.5
        w, h = side * math.sqrt(aspect), side / math.sqrt(aspect)
        rows.append([max(cx - w / 2, 0), max(cy - h / 2, 0), min(cx + w / 2, 1066), min(cy + h / 2, 800)])
    return torch.tensor(rows, dtype=torch.float32)


def timed(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    shapes = [(200, 272), (100, 136), (50, 68), (25, 34)]
    feats = {str(i): torch.rand(1, 256, h, w, generator=g) * 2 - 1 for i, (h, w) in enumerate(shapes)}
    rois = single_level_rois()
    proposals = [box_head_proposals()]
    pooler = MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)
    with torch.no_grad():
        med, best = timed(lambda: roi_align(feats["0"], rois, (7, 7), 0.25, 2, False), args.runs)
        print(f"torchvision {torchvision_version()} threads={args.threads} roi_align 1000 RoIs 256x200x272 7x7 sr2: "
              f"median {med:.1f} ms, min {best:.1f} ms")
        med, best = timed(lambda: pooler(feats, proposals, [(800, 1066)]), args.runs)
        print(f"torchvision {torchvision_version()} threads={args.threads} MultiScaleRoIAlign box head 1000 proposals: "
              f"median {med:.1f} ms, min {best:.1f} ms")


def torchvision_version():
    import torchvision
    return torchvision.__version__


if __name__ == "__main__":
    main()
