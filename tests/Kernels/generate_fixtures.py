#!/usr/bin/python3
"""Writes the reference data of tests/Kernels into tests/fixtures/kernels/.

Run with Debian's torch/torchvision:  /usr/bin/python3 tests/Kernels/generate_fixtures.py
Every number comes from torchvision itself (torchvision.ops.roi_align, MultiScaleRoIAlign,
roi_heads.paste_masks_in_image, GeneralizedRCNNTransform); nothing here re-implements them.
Large arrays are .npy (float32/int64 little-endian), the rest is manifest.json.
"""
import json
import os

import numpy as np
import torch
import torchvision
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.models.detection.transform import GeneralizedRCNNTransform
from torchvision.ops import MultiScaleRoIAlign, roi_align

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "kernels")
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def save(name, array):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(array))
    return name


def rle_counts(binary_hw):
    """COCO RLE counts (column-major, first run = zeros) of an HxW 0/1 array."""
    flat = binary_hw.T.reshape(-1).astype(np.uint8)
    counts, prev, run = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(run)
            run, prev = 0, v
        run += 1
    counts.append(run)
    return counts


def roi_align_cases(manifest):
    # PARITY §W10: a 1x3x13x17 map at scale 0.25 with the boxes that hit every branch of the kernel.
    g = torch.Generator().manual_seed(10)
    feat = torch.rand(1, 3, 13, 17, generator=g) * 4 - 1
    boxes = torch.tensor([[0, 0, 0, 0], [5, 5, 5, 5], [-20, -20, -10, -10], [-8, -8, 30, 30], [60, 40, 80, 60],
                          [1, 2, 67.9, 51.3], [10.3, 7.7, 12.1, 9.2], [0, 0, 68, 52], [30, 30, 200, 200],
                          [3, 4, 2, 1]], dtype=torch.float32)
    rois = torch.cat([torch.zeros(len(boxes), 1), boxes], 1)
    cases = []
    add_cases(cases, "trap", feat, rois, 0.25, (3, 4))

    # Two batch images, boxes partly outside, tiny (< 1 px) and huge, scale 0.5, 7x7 output.
    feat2 = torch.rand(2, 5, 24, 31, generator=g) * 2 - 1
    n = 40
    xy = torch.rand(n, 2, generator=g) * torch.tensor([80.0, 60.0]) - 10
    wh = torch.rand(n, 2, generator=g) * 40
    wh[:6] = torch.rand(6, 2, generator=g) * 0.9  # tiny
    wh[6:10] = torch.rand(4, 2, generator=g) * 300 + 100  # huge, far outside
    xy[10:14] = torch.tensor([[-30.0, -30.0], [55.0, 40.0], [-5.0, 45.0], [58.0, -6.0]])  # partly outside
    batch = (torch.arange(n) % 2).float()[:, None]
    rois2 = torch.cat([batch, xy, xy + wh], 1)
    add_cases(cases, "batch", feat2, rois2, 0.5, (7, 7))
    manifest["roi_align"] = {"inputs": {"trap": save("roi_trap_input.npy", feat.numpy()),
                                        "batch": save("roi_batch_input.npy", feat2.numpy())},
                             "rois": {"trap": rois.tolist(), "batch": rois2.tolist()},
                             "cases": cases}


def add_cases(cases, input_name, feat, rois, scale, out_size):
    for aligned in (False, True):
        for sr in (2, 0, -1):
            out = roi_align(feat, rois, out_size, spatial_scale=scale, sampling_ratio=sr, aligned=aligned)
            name = f"{input_name}_sr{sr}_{'aligned' if aligned else 'legacy'}"
            cases.append({"name": name, "input": input_name, "spatial_scale": scale,
                          "pooled_height": out_size[0], "pooled_width": out_size[1],
                          "sampling_ratio": sr, "aligned": aligned,
                          "output_shape": list(out.shape), "output": save(f"roi_{name}.npy", out.numpy())})


def multiscale_case(manifest):
    g = torch.Generator().manual_seed(8)
    # Padded batch 256x320; unpadded sizes 250x310 and 240x300 (scales are inferred from the larger).
    shapes = {"0": (64, 80), "1": (32, 40), "2": (16, 20), "3": (8, 10)}
    feats = {k: torch.rand(2, 2, h, w, generator=g) * 2 - 1 for k, (h, w) in shapes.items()}
    image_sizes = [(250, 310), (240, 300)]
    # sqrt(area) hits each level, its boundaries (112, 224, 448 with the eps) and both clamps.
    sides = [(1, 1), (20, 30), (111.99, 112), (112, 112), (150, 90), (223.99, 224), (224, 224), (300, 200),
             (447.9, 448), (448, 448), (700, 900), (2000, 2000), (0, 0), (50, 300), (5, 400)]
    g2 = torch.Generator().manual_seed(9)
    boxes = [[], []]
    for i, (w, h) in enumerate(sides):
        x, y = (torch.rand(2, generator=g2) * torch.tensor([250.0, 200.0]) - 20).tolist()
        boxes[i % 2].append([x, y, x + w, y + h])
    boxes = [torch.tensor(b, dtype=torch.float32) for b in boxes]
    pooler = MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)
    out = pooler(feats, boxes, image_sizes)
    levels = pooler.map_levels(boxes).tolist()
    manifest["multiscale"] = {
        "features": {k: save(f"ms_level{k}.npy", v.numpy()) for k, v in feats.items()},
        "image_sizes": image_sizes, "boxes": [b.tolist() for b in boxes], "levels": levels,
        "scales": pooler.scales, "output_size": 7, "sampling_ratio": 2,
        "output_shape": list(out.shape), "output": save("ms_output.npy", out.numpy())}


def paste_cases(manifest):
    cases = []
    # PARITY §W12: a 28x28 ramp in x pasted into a 20x20 image; floor instead of trunc breaks the first box.
    ramp = (torch.arange(28, dtype=torch.float32) / 27).expand(28, 28)
    boxes = torch.tensor([[0, 0, 10, 10], [3.3, 2.2, 17.9, 15.1], [0, 5, 19.99, 19.99]], dtype=torch.float32)
    cases.append(paste_case("ramp", ramp.expand(3, 1, 28, 28).clone(), boxes, (20, 20)))
    g = torch.Generator().manual_seed(12)
    n = 10
    masks = torch.sigmoid((torch.rand(n, 1, 28, 28, generator=g) - 0.5) * 8)
    # Boxes overlap the image: torchvision's slicing breaks on a box wholly outside (negative stop index).
    xy = torch.rand(n, 2, generator=g) * torch.tensor([75.0, 55.0])
    wh = torch.rand(n, 2, generator=g) * 50 + 0.5
    wh[0] = torch.tensor([0.3, 0.6])  # smaller than a pixel
    xy[1] = torch.tensor([-12.5, -7.25])  # partly outside, top-left
    xy[2] = torch.tensor([70.2, 50.9])  # partly outside, bottom-right
    xy[3], wh[3] = torch.tensor([-5.0, -5.0]), torch.tensor([95.0, 75.0])  # larger than the image
    cases.append(paste_case("random", masks, torch.cat([xy, xy + wh], 1), (60, 80)))
    manifest["paste"] = cases
    manifest["paste_aligned"] = [aligned_paste_case(c) for c in cases]


def aligned_paste_case(case):
    """MaskPasteMode.Aligned: detectron2's paste (detectron2/layers/mask_ops.py, _do_paste_mask): each pixel centre
    normalised to [-1, 1] over the float box, sampled by torch's grid_sample (bilinear, zeros, align_corners=False)
    over the whole image. The grid is built as detectron2 builds it; the sampling is torch's own."""
    masks = torch.from_numpy(np.load(os.path.join(OUT, case["masks"])))[:, None]
    boxes = torch.tensor(case["boxes"], dtype=torch.float32)
    h, w = case["height"], case["width"]
    x0, y0, x1, y1 = torch.split(boxes, 1, dim=1)  # each [N, 1]
    img_y = torch.arange(0, h, dtype=torch.float32) + 0.5
    img_x = torch.arange(0, w, dtype=torch.float32) + 0.5
    img_y = (img_y - y0) / (y1 - y0) * 2 - 1  # [N, h]
    img_x = (img_x - x0) / (x1 - x0) * 2 - 1  # [N, w]
    gx = img_x[:, None, :].expand(masks.shape[0], h, w)
    gy = img_y[:, :, None].expand(masks.shape[0], h, w)
    grid = torch.stack([gx, gy], dim=3)
    pasted = torch.nn.functional.grid_sample(masks, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]
    name = "aligned_" + case["name"]
    return {"name": name, "height": h, "width": w, "masks": case["masks"], "boxes": case["boxes"],
            "pasted": save(f"paste_{name}_pasted.npy", pasted.numpy())}


def paste_case(name, masks, boxes, shape):
    pasted = paste_masks_in_image(masks, boxes, shape, padding=1)[:, 0]  # [N, H, W]
    rles = [rle_counts((p > 0.5).numpy()) for p in pasted]
    return {"name": name, "height": shape[0], "width": shape[1], "masks": save(f"paste_{name}_masks.npy", masks[:, 0].numpy()),
            "boxes": boxes.tolist(), "pasted": save(f"paste_{name}_pasted.npy", pasted.numpy()), "rle_counts": rles}


def test_image(h, w):
    """The BGR uint8 binary-noise frame the C# test builds with the same integer hash (hard edges everywhere)."""
    y, x, k = np.meshgrid(np.arange(h, dtype=np.uint64), np.arange(w, dtype=np.uint64), np.arange(3, dtype=np.uint64),
                          indexing="ij")
    m = np.uint64(0xFFFFFFFF)
    hsh = ((x * np.uint64(73856093)) & m) ^ ((y * np.uint64(19349663)) & m) ^ ((k * np.uint64(83492791)) & m)
    hsh = (hsh * np.uint64(2654435761)) & m
    return (((hsh >> np.uint64(13)) & np.uint64(1)) * np.uint64(255)).astype(np.uint8)  # [H, W, 3] BGR


def preprocess_cases(manifest):
    sizes = {"scale_formula": [[h, w] for h, w in [(480, 640), (600, 800), (375, 500), (427, 640), (333, 500),
                                                   (3000, 4000), (720, 1280), (1080, 1920), (100, 100)]]}
    expected = []
    t = GeneralizedRCNNTransform(800, 1333, MEAN, STD).eval()
    for h, w in sizes["scale_formula"]:
        out = t([torch.zeros(3, h, w)])[0]
        expected.append(list(out.image_sizes[0]))
    sizes["expected_800_1333"] = expected
    cases = []
    rng = np.random.default_rng(2)
    for (h, w), (mn, mx) in [((480, 640), (800, 1333)), ((375, 500), (800, 1333)), ((427, 640), (800, 1333)),
                             ((1080, 1920), (800, 1333)), ((480, 640), (480, 640))]:
        bgr = test_image(h, w)
        rgb = torch.from_numpy(bgr[:, :, ::-1].copy()).permute(2, 0, 1).float() / 255
        tr = GeneralizedRCNNTransform(mn, mx, MEAN, STD).eval()
        with torch.no_grad():
            il = tr([rgb])[0]
        out = il.tensors[0].numpy()  # [3, Hp, Wp], zero padded
        rh, rw = il.image_sizes[0]
        hp, wp = out.shape[1:]
        cs = rng.integers(0, 3, 600)
        ys = rng.integers(0, hp, 600)
        xs = rng.integers(0, wp, 600)
        ys[:500] %= rh  # most samples inside the image, the rest anywhere (padding included)
        xs[:500] %= rw
        cases.append({"name": f"{h}x{w}_min{mn}_max{mx}", "height": h, "width": w, "min_size": mn, "max_size": mx,
                      "resized": [rh, rw], "padded": [hp, wp],
                      "channel_sums": [float(out[c, :rh, :rw].astype(np.float64).sum()) for c in range(3)],
                      "samples": [[int(c), int(yy), int(xx), float(out[c, yy, xx])] for c, yy, xx in zip(cs, ys, xs)]})
    manifest["resize_sizes"] = sizes
    manifest["preprocess"] = cases


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__,
                "mean": MEAN, "std": STD}
    roi_align_cases(manifest)
    multiscale_case(manifest)
    paste_cases(manifest)
    preprocess_cases(manifest)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
