"""COCO datasets as written by `maskstream dataset coco`: DIR/annotations.json + DIR/images/*.png.

annotations.json: `images` [{id, file_name, width, height}], `annotations` [{id, image_id,
category_id, bbox [x,y,w,h], area, iscrowd, segmentation (compressed RLE {size, counts}, an
uncompressed RLE, or polygons), keypoints [x,y,v]*J, num_keypoints}], `categories` [{id, name,
keypoints?, skeleton?}]. Classes come from `categories` (sorted by id), background first; the
category that lists `keypoints` is the keypoint class.
"""
import json
import os
import random

import numpy as np
import torch
from PIL import Image, ImageDraw

import rle
from errors import UserError


class CocoSet:
    """One dataset directory: its images and per-image annotations (crowd regions left out)."""

    def __init__(self, root):
        self.root = root
        ann_path = os.path.join(root, "annotations.json")
        if not os.path.isdir(root):
            raise UserError(f"dataset '{root}' is not a directory")
        if not os.path.isfile(ann_path):
            raise UserError(f"'{root}' is not a COCO dataset: no annotations.json in it")
        try:
            with open(ann_path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise UserError(f"'{root}' is not a COCO dataset: annotations.json does not parse ({e})")
        missing = [k for k in ("images", "annotations", "categories") if not isinstance(data, dict) or not isinstance(data.get(k), list)]
        if missing:
            raise UserError(f"'{root}' is not a COCO dataset: annotations.json has no {', '.join(missing)} list")
        if not data["categories"] or not data["images"]:
            raise UserError(f"'{root}' is not a usable COCO dataset: no categories or no images")
        cats = sorted(data["categories"], key=lambda c: c["id"])
        self.category_ids = [c["id"] for c in cats]
        self.class_names = [c["name"] for c in cats]
        kp_cats = [c for c in cats if c.get("keypoints")]
        self.keypoint_class = kp_cats[0]["name"] if kp_cats else None
        self.keypoint_names = list(kp_cats[0]["keypoints"]) if kp_cats else None
        self.skeleton = [list(p) for p in kp_cats[0].get("skeleton", [])] if kp_cats else None
        self.images = sorted(data["images"], key=lambda im: im["id"])
        self.by_image = {im["id"]: [] for im in self.images}
        for a in data["annotations"]:
            if a.get("iscrowd", 0):
                continue
            if a["image_id"] in self.by_image:
                self.by_image[a["image_id"]].append(a)
        for im in self.images[:1]:
            self.image_path(im)  # fail early on a wrong layout

    def image_path(self, im):
        for p in (os.path.join(self.root, "images", im["file_name"]), os.path.join(self.root, im["file_name"])):
            if os.path.isfile(p):
                return p
        raise UserError(f"'{self.root}': image file '{im['file_name']}' not found (looked in images/ and the dataset root)")


def flip_permutation(names):
    """Index permutation that swaps left_* and right_* keypoints (for horizontal flips)."""
    perm = list(range(len(names)))
    for i, n in enumerate(names):
        for a, b in (("left", "right"), ("right", "left")):
            if n.startswith(a):
                other = b + n[len(a):]
                if other in names:
                    perm[i] = names.index(other)
    return perm


def segmentation_to_mask(seg, h, w):
    if isinstance(seg, dict):
        counts = seg["counts"]
        m = rle.decode({"size": seg.get("size", [h, w]), "counts": counts})
        if m.shape != (h, w):
            raise UserError(f"RLE size {list(m.shape)} differs from the image size {[h, w]}")
        return m
    img = Image.new("L", (w, h), 0)  # polygons
    draw = ImageDraw.Draw(img)
    for poly in seg:
        if len(poly) >= 6:
            draw.polygon([(poly[i], poly[i + 1]) for i in range(0, len(poly), 2)], fill=1)
    return np.array(img, dtype=np.uint8)


class Detections(torch.utils.data.Dataset):
    """All images of one or more CocoSets with the same categories, as (image [3,H,W] in [0,1], target)."""

    def __init__(self, roots, augment=True):
        self.sets = [CocoSet(r) for r in roots]
        first = self.sets[0]
        for s in self.sets[1:]:
            if s.class_names != first.class_names or s.keypoint_names != first.keypoint_names:
                raise UserError(
                    f"datasets disagree on categories: '{first.root}' has {first.class_names}, '{s.root}' has {s.class_names}"
                )
        self.classes = ["__background__"] + first.class_names
        self.keypoint_class = first.keypoint_class
        self.keypoint_names = first.keypoint_names
        self.skeleton = first.skeleton
        self.flip = flip_permutation(self.keypoint_names) if self.keypoint_names else None
        self.items = [(s, im) for s in self.sets for im in s.images]
        self.augment = augment

    def __len__(self):
        return len(self.items)

    def load(self, index, rng=None):
        s, im = self.items[index]
        img = np.array(Image.open(s.image_path(im)).convert("RGB"))
        h, w = img.shape[:2]
        anns = [a for a in s.by_image[im["id"]] if a["bbox"][2] >= 1 and a["bbox"][3] >= 1]
        j = len(self.keypoint_names) if self.keypoint_names else 0
        boxes = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]] for a in anns], np.float32).reshape(-1, 4)
        labels = np.array([s.category_ids.index(a["category_id"]) + 1 for a in anns], np.int64)
        masks = np.stack([segmentation_to_mask(a["segmentation"], h, w) for a in anns]) if anns else np.zeros((0, h, w), np.uint8)
        kps = np.zeros((len(anns), j, 3), np.float32)
        for i, a in enumerate(anns):
            if j and a.get("keypoints"):
                kps[i] = np.array(a["keypoints"], np.float32).reshape(j, 3)
        if self.augment and rng is not None:
            if rng.random() < 0.5:
                img = img[:, ::-1]
                masks = masks[:, :, ::-1]
                boxes = np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
                if j:
                    kps = kps[:, self.flip]
                    # Keypoints are pixel indices (pixel centres at integers, as COCO's and the synthetic world's
                    # are), so pixel x lands on pixel w - 1 - x; boxes are continuous edges, so they take w - x.
                    # (w - x here put every flipped keypoint a pixel to the right: the trained head learned +0.5 px.)
                    kps[..., 0] = np.where(kps[..., 2] > 0, w - 1 - kps[..., 0], 0)
            img = img.astype(np.float32) / 255.0
            img = img * rng.uniform(0.75, 1.25) + rng.uniform(-0.08, 0.08)  # contrast/brightness
            img = img * np.array([rng.uniform(0.9, 1.1) for _ in range(3)], np.float32)  # colour balance
            img = np.clip(img, 0, 1)
        else:
            img = img.astype(np.float32) / 255.0
        target = {
            "boxes": torch.from_numpy(np.ascontiguousarray(boxes, dtype=np.float32)),
            "labels": torch.from_numpy(labels),
            "masks": torch.from_numpy(np.ascontiguousarray(masks)),
        }
        if j:
            target["keypoints"] = torch.from_numpy(np.ascontiguousarray(kps))
        image = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32))
        return image, target

    def __getitem__(self, index):
        return self.load(index, random.Random(index) if self.augment else None)
