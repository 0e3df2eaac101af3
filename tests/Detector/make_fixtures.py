#!/usr/bin/env python3
"""Reference numbers for the Detector's pure-function tests, computed by Debian's torchvision.

    /usr/bin/python3 tests/Detector/make_fixtures.py   # writes tests/fixtures/detector/*.json, *.npy

Deterministic (seeded). tests/fixtures/detector/README.md records the versions it was run with.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision.models.detection._utils import BoxCoder
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.roi_heads import heatmaps_to_keypoints
from torchvision.ops import boxes as box_ops

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "detector")


def f32list(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def anchors():
    cases = []
    for sizes, ratios, padded, grids in [
        (((10,),), ((1.0,),), (15, 15), [(3, 3)]),  # torchvision's test_anchor_generator
        (((32,), (64,), (128,), (256,), (512,)), ((0.5, 1.0, 2.0),) * 5, (800, 1088),
         [(200, 272), (100, 136), (50, 68), (25, 34), (13, 17)]),
        (((16, 32), (32, 64), (64, 128), (128, 256)), ((0.5, 1.0, 2.0),) * 4, (480, 640), [(60, 80), (30, 40), (15, 20), (8, 10)]),
        (((16, 32), (32, 64), (64, 128), (128, 256)), ((0.5, 1.0, 2.0),) * 4, (96, 160), [(12, 20), (6, 10), (3, 5), (2, 3)]),
        (((24,), (57.5,)), ((0.25, 1.0, 3.0),) * 2, (64, 96), [(8, 12), (3, 5)]),
    ]:
        gen = AnchorGenerator(sizes, ratios)
        images = ImageList(torch.zeros(1, 3, *padded), [padded])
        feats = [torch.zeros(1, 1, *g) for g in grids]
        a = gen(images, feats)[0]
        # keep the fixture small: the full array only for small inputs, else a sample of rows
        rows = list(range(a.shape[0])) if a.shape[0] <= 3000 else sorted(set(np.random.RandomState(0).randint(0, a.shape[0], 400).tolist()) | {a.shape[0] - 1})
        cases.append({"sizes": [list(map(float, s)) for s in sizes], "aspect_ratios": [float(r) for r in ratios[0]],
                      "padded": list(padded), "grids": [list(g) for g in grids], "count": a.shape[0],
                      "rows": rows, "anchors": [f32list(a[r]) for r in rows]})
    return cases


def box_coder():
    rng = np.random.RandomState(1)
    ref = rng.uniform(0, 300, (64, 2)).astype(np.float32)
    wh = rng.uniform(0.5, 200, (64, 2)).astype(np.float32)
    boxes = np.concatenate([ref, ref + wh], 1)
    deltas = rng.normal(0, 1.5, (64, 4)).astype(np.float32)
    deltas[:4, 2:] = [[10, 10], [5, -3], [4.2, 4.13], [-8, 20]]  # clamp cases
    out = {}
    for name, w in [("rpn", (1.0, 1.0, 1.0, 1.0)), ("roi_heads", (10.0, 10.0, 5.0, 5.0))]:
        coder = BoxCoder(w)
        dec = coder.decode_single(torch.from_numpy(deltas), torch.from_numpy(boxes))
        out[name] = {"weights": list(w), "decoded": f32list(dec)}
    return {"boxes": f32list(torch.from_numpy(boxes)), "deltas": f32list(torch.from_numpy(deltas)), **out}


def nms_cases():
    rng = np.random.RandomState(2)
    cases = []
    # clustered boxes with coarse scores (ties), a few classes; sizes on both sides of the batched_nms switch
    for n, classes, thr in [(60, 1, 0.5), (300, 3, 0.5), (999, 4, 0.7), (1200, 3, 0.5), (1500, 5, 0.7)]:
        centres = rng.uniform(0, 400, (n // 6 + 1, 2))
        c = centres[rng.randint(0, len(centres), n)] + rng.normal(0, 6, (n, 2))
        wh = rng.uniform(8, 60, (n, 2))
        b = np.concatenate([c - wh / 2, c + wh / 2], 1).astype(np.float32)
        s = (np.round(rng.uniform(0, 1, n) * 10) / 10).astype(np.float32)
        idx = rng.randint(0, classes, n)
        bt, st, it = torch.from_numpy(b), torch.from_numpy(s), torch.from_numpy(idx)
        keep = box_ops.batched_nms(bt, st, it, thr) if classes > 1 else box_ops.nms(bt, st, thr)
        cases.append({"iou_threshold": thr, "boxes": f32list(bt), "scores": f32list(st), "classes": idx.tolist(),
                      "batched": classes > 1, "keep": keep.tolist()})
    return cases


def unstable_sort():
    """torch.sort(descending=True) (std::sort, not stable) on scores with many exact ties, as batched_nms uses it."""
    rng = np.random.RandomState(4)
    cases = []
    for n, levels in [(5, 2), (17, 3), (40, 4), (300, 5), (1000, 3), (3000, 40), (3000, 2)]:
        s = (np.round(rng.uniform(0, 1, n) * (levels - 1)) / (levels - 1)).astype(np.float32)
        order = torch.from_numpy(s).sort(descending=True)[1]
        cases.append({"scores": f32list(torch.from_numpy(s)), "order": order.tolist()})
    return cases


def keypoints():
    rng = np.random.RandomState(3)
    j, m = 3, 56
    rois = np.array([[10.0, 20.0, 30.3, 60.0], [5.0, 7.0, 105.0, 207.2], [0.0, 0.0, 100.2, 40.0],
                     [50.0, 50.0, 50.5, 50.25], [3.3, 4.4, 200.7, 80.9], [100.0, 10.0, 156.0, 66.0]], np.float32)
    maps = rng.normal(0, 2, (len(rois), j, m, m)).astype(np.float32)
    xy, scores = heatmaps_to_keypoints(torch.from_numpy(maps), torch.from_numpy(rois))
    np.save(os.path.join(OUT, "keypoint_heatmaps.npy"), maps)
    return {"rois": f32list(torch.from_numpy(rois)), "keypoints": j, "heatmap_size": m,
            "xy": f32list(xy[:, :, :2].contiguous()), "scores": f32list(scores)}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    data = {"torch": torch.__version__, "torchvision": torchvision.__version__, "anchors": anchors(),
            "box_coder": box_coder(), "nms": nms_cases(), "unstable_sort": unstable_sort(), "keypoints": keypoints()}
    with open(os.path.join(OUT, "torchvision_ops.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"wrote {OUT}/torchvision_ops.json, keypoint_heatmaps.npy (torch {torch.__version__}, torchvision {torchvision.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
