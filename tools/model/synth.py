#!/usr/bin/env python3
"""A small synthetic COCO dataset in the layout of `maskstream dataset coco`, for the tools' tests
(and for trying the training loop before the C# writer exists).

    /usr/bin/python3 tools/model/synth.py --out DIR [--images N] [--seed S] [--size 640x480]

Scenes: a gradient background with noise, persons (head, torso and limbs with width, 17 COCO
keypoints), cars (boxes with wheels) and dogs (body, head, legs); the classes of
src/Ingest/Synthetic (drawn much more simply). Later objects occlude earlier ones, and
each instance mask is what stays visible. Masks are COCO compressed RLE from tools/model/rle.py.
"""
import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import rle  # noqa: E402
from architectures import COCO_KEYPOINT_NAMES, COCO_SKELETON  # noqa: E402

CATEGORIES = [
    {"id": 1, "name": "person", "supercategory": "person", "keypoints": COCO_KEYPOINT_NAMES, "skeleton": COCO_SKELETON},
    {"id": 2, "name": "car", "supercategory": "vehicle"},
    {"id": 3, "name": "dog", "supercategory": "animal"},
]


def _person(draw, rng, cx, top, height, color):
    """Draws a person; returns 17 keypoints [(x, y), ...] in COCO order."""
    s = height / 8.0
    head = (cx, top + s * 0.6)
    neck_y = top + s * 1.3
    sh_y, hip_y = neck_y + s * 0.3, neck_y + s * 3.0
    sw, hw = s * 1.0, s * 0.6
    l_sho, r_sho = (cx + sw, sh_y), (cx - sw, sh_y)  # person faces the camera: left is image right
    l_hip, r_hip = (cx + hw, hip_y), (cx - hw, hip_y)
    swing = rng.uniform(-0.6, 0.6)
    l_elb = (l_sho[0] + s * 0.5, sh_y + s * 1.3)
    r_elb = (r_sho[0] - s * 0.5, sh_y + s * 1.3)
    l_wri = (l_elb[0] + s * swing, l_elb[1] + s * 1.2)
    r_wri = (r_elb[0] - s * swing, r_elb[1] + s * 1.2)
    l_kne = (l_hip[0] + s * 0.2 * swing, hip_y + s * 1.8)
    r_kne = (r_hip[0] - s * 0.2 * swing, hip_y + s * 1.8)
    l_ank = (l_kne[0], top + height - s * 0.2)
    r_ank = (r_kne[0], top + height - s * 0.2)
    limb = max(2, int(s * 0.55))
    for a, b in ((l_sho, l_elb), (l_elb, l_wri), (r_sho, r_elb), (r_elb, r_wri),
                 (l_hip, l_kne), (l_kne, l_ank), (r_hip, r_kne), (r_kne, r_ank)):
        draw.line([a, b], fill=color, width=limb)
    draw.polygon([r_sho, l_sho, l_hip, r_hip], fill=color)
    draw.ellipse([head[0] - s * 0.55, head[1] - s * 0.6, head[0] + s * 0.55, head[1] + s * 0.6], fill=color)
    eye_y = head[1] - s * 0.1
    nose = (head[0], head[1] + s * 0.1)
    l_eye, r_eye = (head[0] + s * 0.2, eye_y), (head[0] - s * 0.2, eye_y)
    l_ear, r_ear = (head[0] + s * 0.5, head[1]), (head[0] - s * 0.5, head[1])
    return [nose, l_eye, r_eye, l_ear, r_ear, l_sho, r_sho, l_elb, r_elb, l_wri, r_wri,
            l_hip, r_hip, l_kne, r_kne, l_ank, r_ank]


def render(rng, w, h, max_objects=4):
    """-> (RGB uint8 [H,W,3], [(category_id, mask [H,W] bool, keypoints or None)])."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array([rng.uniform(40, 200) for _ in range(3)], np.float32)
    grad = np.array([rng.uniform(-60, 60) for _ in range(3)], np.float32)
    img = base + grad * (xx / w)[..., None] + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 6, (h, w, 3))
    canvas = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    ids = np.zeros((h, w), np.int32)  # which instance owns each pixel (0 = none)
    objects = []
    for k in range(1, rng.randint(1, max_objects) + 1):
        cat = rng.choice([1, 1, 2, 3])
        color = tuple(rng.randrange(256) for _ in range(3))
        layer = Image.new("L", (w, h), 0)
        d = ImageDraw.Draw(layer)
        kps = None
        if cat == 1:
            height = rng.uniform(0.3, 0.8) * h
            cx, top = rng.uniform(0.15, 0.85) * w, rng.uniform(0, h - height)
            kps = _person(d, rng, cx, top, height, 255)
        elif cat == 2:
            bw = rng.uniform(0.15, 0.45) * w
            bh = bw * rng.uniform(0.35, 0.55)
            x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            d.rectangle([x0, y0 + bh * 0.3, x0 + bw, y0 + bh * 0.8], fill=255)
            d.rectangle([x0 + bw * 0.25, y0, x0 + bw * 0.75, y0 + bh * 0.35], fill=255)
            r = bh * 0.2
            for wx in (x0 + bw * 0.22, x0 + bw * 0.78):
                d.ellipse([wx - r, y0 + bh - 2 * r, wx + r, y0 + bh], fill=255)
        else:  # dog: body ellipse, head disc, four legs
            bw = rng.uniform(0.08, 0.2) * w
            bh = bw * 0.4
            x0, y0 = rng.uniform(0, w - bw * 1.3), rng.uniform(bh * 0.5, h - bh * 2.2)
            d.ellipse([x0, y0, x0 + bw, y0 + bh], fill=255)
            d.ellipse([x0 + bw * 0.85, y0 - bh * 0.5, x0 + bw * 1.25, y0 + bh * 0.3], fill=255)
            for fx in (0.15, 0.3, 0.7, 0.85):
                d.line([(x0 + bw * fx, y0 + bh * 0.7), (x0 + bw * fx, y0 + bh * 2.0)], fill=255, width=max(2, int(bw * 0.06)))
        m = np.array(layer) > 0
        ids[m] = k
        canvas.paste(Image.new("RGB", (w, h), color), (0, 0), layer)
        objects.append((cat, k, kps))
    out = []
    for cat, k, kps in objects:
        mask = ids == k
        if mask.sum() >= 20:
            out.append((cat, mask, kps))
    return np.array(canvas), out


def write_dataset(out_dir, images=8, seed=0, size=(640, 480)):
    w, h = size
    rng = random.Random(seed)
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    coco = {"info": {"description": "MaskStream tools synthetic scenes", "seed": seed}, "images": [],
            "annotations": [], "categories": CATEGORIES}
    ann_id = 1
    for i in range(images):
        pixels, objects = render(rng, w, h)
        name = f"{i:06d}.png"
        Image.fromarray(pixels).save(os.path.join(out_dir, "images", name))
        coco["images"].append({"id": i + 1, "file_name": name, "width": w, "height": h})
        for cat, mask, kps in objects:
            ys, xs = np.nonzero(mask)
            x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
            ann = {"id": ann_id, "image_id": i + 1, "category_id": cat, "iscrowd": 0,
                   "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                   "area": float(mask.sum()), "segmentation": rle.encode(mask)}
            if cat == 1:
                flat = []
                for x, y in kps:
                    inside = 0 <= x < w and 0 <= y < h
                    visible = 2 if inside and mask[int(y), int(x)] else (1 if inside else 0)
                    flat += [round(x, 2), round(y, 2), visible] if inside else [0, 0, 0]
                ann["keypoints"] = flat
                ann["num_keypoints"] = sum(1 for v in flat[2::3] if v > 0)
            coco["annotations"].append(ann)
            ann_id += 1
    with open(os.path.join(out_dir, "annotations.json"), "w") as f:
        json.dump(coco, f)
    return out_dir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", default="640x480", help="WxH")
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.lower().split("x"))
    write_dataset(a.out, a.images, a.seed, (w, h))
    print(f"synth: {a.images} images -> {a.out}")


if __name__ == "__main__":
    main()
