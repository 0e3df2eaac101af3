#!/usr/bin/env python3
"""Run torchvision's own Mask R-CNN (rebuilt from a model directory) on images or a video and write
its results in the JSONL format of `maskstream detect`, plus optional intermediate tensors for the
C# detector's parity tests.

    /usr/bin/python3 tools/model/reference.py --model DIR --input IMAGE_DIR|IMAGE|VIDEO --output OUT.jsonl
        [--intermediates FIXTURE_DIR] [--intermediate-frames 2] [--max-frames N] [--threads 2]

One line per frame: {"frame", "source" (image inputs), "width", "height", "objects": [{"class_id",
"class", "score", "mask_score", "keypoint_score", "bbox": [x1,y1,x2,y2], "mask": {"size": [H,W], "counts": COCO RLE
of mask > 0.5}, "keypoints": [[x, y, score], ...] (detections of the keypoint class only)}]}, objects in
torchvision's order (score descending). Images are read as RGB and divided by 255 (PARITY.md §1);
videos are decoded by the system ffmpeg to rgb24.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import architectures as A  # noqa: E402
import rle  # noqa: E402
from errors import UserError, run_cli  # noqa: E402

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp")


def load_model_dir(model_dir):
    manifest_path = os.path.join(model_dir, "model.json")
    if not os.path.isfile(manifest_path):
        raise UserError(f"'{model_dir}' is not a model directory: no model.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    if manifest.get("format") != "maskstream.model":
        raise UserError(f"'{manifest_path}' is not a MaskStream model.json (format '{manifest.get('format')}')")
    model = A.build_model(manifest["architecture"])
    sd = torch.load(os.path.join(model_dir, "checkpoint.pt"), map_location="cpu")
    if isinstance(sd, dict) and sd.get("format") == "maskstream-checkpoint":
        sd = sd["model"]
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise UserError(f"checkpoint.pt in '{model_dir}' does not fit its model.json ({len(missing)} missing, {len(unexpected)} unexpected tensors)")
    return model.eval(), manifest


def frames(path, max_frames=None):
    """Yields (index, source name or None, uint8 RGB [H,W,3])."""
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTS))
        if not files:
            raise UserError(f"no images ({', '.join(IMAGE_EXTS)}) in '{path}'")
        for i, name in enumerate(files[:max_frames]):
            yield i, name, _read_image(os.path.join(path, name))
        return
    if not os.path.isfile(path):
        raise UserError(f"--input '{path}' does not exist")
    if path.lower().endswith(IMAGE_EXTS):
        yield 0, os.path.basename(path), _read_image(path)
        return
    yield from _video_frames(path, max_frames)


def _read_image(path):
    from PIL import Image

    with Image.open(path) as im:
        return np.array(im.convert("RGB"))


def _video_frames(path, max_frames):
    try:
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
             "-of", "csv=p=0", path], capture_output=True, text=True, check=True)
        w, h = (int(v) for v in probe.stdout.strip().split("\n")[0].split(",")[:2])
    except (OSError, subprocess.CalledProcessError, ValueError):
        raise UserError(f"'{path}' is neither an image nor a video ffprobe can read")
    limit = ["-frames:v", str(max_frames)] if max_frames is not None else []  # ffmpeg stops by itself
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", path, *limit, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    size = w * h * 3
    i = 0
    try:
        while max_frames is None or i < max_frames:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield i, None, np.frombuffer(buf, np.uint8).reshape(h, w, 3).copy()
            i += 1
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def to_tensor(rgb):
    # convert_image_dtype semantics: cast, then divide by 255 (not multiply by 1/255)
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0


def _f32(v):
    """Shortest text that reads back as the same float32, as a JSON number."""
    return float(str(np.float32(v)))


def detect(model, images):
    """model(images), with each result's "mask_quality": the maskness of its 28x28 mask probabilities (mean over the
    cells above 0.5; MaskStream's InstanceScores.Maskness), taken from roi_heads' output before the transform pastes it."""
    captured = []
    hook = model.roi_heads.register_forward_hook(lambda module, inputs, output: captured.append(
        [r["masks"] for r in output[0]] if output[0] and "masks" in output[0][0] else None))
    try:
        results = model(images)
    finally:
        hook.remove()
    if captured and captured[0] is not None:
        for r, probs in zip(results, captured[0]):
            above = probs[:, 0] > 0.5
            count = above.flatten(1).sum(1)
            total = (probs[:, 0] * above).flatten(1).sum(1)
            r["mask_quality"] = torch.where(count > 0, total / count.clamp(min=1), torch.zeros_like(total))
    return results


def frame_record(index, source, rgb, result, manifest):
    h, w = rgb.shape[:2]
    classes = manifest["classes"]
    kp = manifest.get("keypoints")
    objects = []
    for i in range(len(result["boxes"])):
        label = int(result["labels"][i])
        obj = {
            "class_id": label,
            "class": classes[label],
            "score": _f32(result["scores"][i]),
        }
        # The mask's and the pose's own scores (MaskStream's InstanceScores): the box score times the maskness, and
        # times the mean sigmoid of the keypoint logits.
        if "mask_quality" in result:
            obj["mask_score"] = _f32(result["scores"][i] * result["mask_quality"][i])
        is_pose = "keypoints" in result and kp and label == kp["class_id"]
        if is_pose:
            obj["keypoint_score"] = _f32(result["scores"][i] * torch.sigmoid(result["keypoints_scores"][i]).mean())
        obj["bbox"] = [_f32(v) for v in result["boxes"][i].tolist()]
        if "masks" in result:
            obj["mask"] = rle.encode((result["masks"][i, 0] > 0.5).numpy())
        if is_pose:
            k = result["keypoints"][i]
            s = result["keypoints_scores"][i]
            obj["keypoints"] = [[_f32(k[j, 0]), _f32(k[j, 1]), _f32(s[j])] for j in range(k.shape[0])]
        objects.append(obj)
    rec = {"frame": index}
    if source is not None:
        rec["source"] = source
    rec.update(width=w, height=h, objects=objects)
    return rec


# --------------------------------------------------------------------------------------------------
# intermediates


@torch.no_grad()
def write_intermediates(model, manifest, image, out_dir, result, roi_samples=16):
    """Every tensor between the graphs for one image, computed with torchvision's own modules.
    Files: <name>.npy plus index.json (shape, dtype and meaning of each)."""
    os.makedirs(out_dir, exist_ok=True)
    index = {}

    def put(name, tensor, meaning):
        arr = tensor.detach().cpu().numpy() if torch.is_tensor(tensor) else np.asarray(tensor)
        np.save(os.path.join(out_dir, f"{name}.npy"), arr)
        index[name] = {"shape": list(arr.shape), "dtype": str(arr.dtype), "meaning": meaning}

    rh = model.roi_heads
    images, _ = model.transform([image])
    rh_sizes = images.image_sizes
    put("image", images.tensors, "normalized, resized, zero-padded input of backbone_rpn [1,3,Hp,Wp]")
    features = model.backbone(images.tensors)
    feats = list(features.values())
    for name, f in features.items():
        put(f"feature_{name}", f, f"FPN level '{name}' [1,C,h,w]")
    logits, deltas = model.rpn.head(feats)
    for name, o, d in zip(features.keys(), logits, deltas):
        put(f"rpn_objectness_{name}", o, f"RPN logits level '{name}' [1,A,h,w]")
        put(f"rpn_deltas_{name}", d, f"RPN deltas level '{name}' [1,4A,h,w], channel a*4+k")
    anchors = model.rpn.anchor_generator(images, feats)
    put("anchors", anchors[0], "all anchors, levels concatenated, (h, w, a) order [sum A*h*w, 4], resized-input pixels")
    # the RPN's own post-processing, step by step as rpn.forward runs it
    from torchvision.models.detection.rpn import concat_box_prediction_layers

    num_per_level = [o[0].numel() for o in logits]
    obj, dl = concat_box_prediction_layers(logits, deltas)
    props = model.rpn.box_coder.decode(dl, anchors).view(1, -1, 4)
    boxes, scores = model.rpn.filter_proposals(props, obj, rh_sizes, num_per_level)
    put("proposals", boxes[0], "RPN output boxes after per-level top-n, clip, min size, per-level NMS, top-n [P,4]")
    put("proposal_scores", scores[0], "sigmoid objectness of the proposals [P]")
    proposals = [boxes[0]]
    ref_props, _ = model.rpn(images, features)
    if not torch.equal(ref_props[0], boxes[0]):
        raise RuntimeError("step-by-step RPN differs from model.rpn")

    pooled = rh.box_roi_pool(features, proposals, rh_sizes)
    n = min(roi_samples, len(boxes[0]))
    put("box_roi_features_sample", pooled[:n], f"MultiScaleRoIAlign 7x7 of the first {n} proposals [n,C,7,7]")
    class_logits, box_regression = rh.box_predictor(rh.box_head(pooled))
    put("class_logits", class_logits, "box_head output for every proposal [P,K]")
    put("box_deltas", box_regression, "box_head output for every proposal [P,4K]")

    # candidates before the class-wise NMS: the same postprocess with NMS and top-k switched off
    saved = rh.nms_thresh, rh.detections_per_img
    try:
        rh.nms_thresh, rh.detections_per_img = 1.0, 1 << 30
        cb, cs, cl = rh.postprocess_detections(class_logits, box_regression, proposals, rh_sizes)
    finally:
        rh.nms_thresh, rh.detections_per_img = saved
    put("candidates_boxes", cb[0], "decoded, clipped, score > thresh, min size; before per-class NMS, score order [M,4]")
    put("candidates_scores", cs[0], "[M]")
    put("candidates_labels", cl[0], "[M]")
    db, ds, dlab = rh.postprocess_detections(class_logits, box_regression, proposals, rh_sizes)
    put("detections_boxes", db[0], "after per-class NMS and top detections_per_img, resized-input pixels [D,4]")
    put("detections_scores", ds[0], "[D]")
    put("detections_labels", dlab[0], "[D]")
    if rh.has_mask():
        mf = rh.mask_roi_pool(features, db, rh_sizes)
        put("mask_roi_features_sample", mf[: min(8, len(mf))], "MultiScaleRoIAlign 14x14 of the first detections [n,C,14,14]")
        put("mask_logits", rh.mask_predictor(rh.mask_head(mf)), "mask_head output for every detection [D,K,28,28]")
    if rh.has_keypoint():
        kf = rh.keypoint_roi_pool(features, db, rh_sizes)
        put("keypoint_roi_features_sample", kf[: min(8, len(kf))], "MultiScaleRoIAlign 14x14 of the first detections [n,C,14,14]")
        put("keypoint_heatmaps", rh.keypoint_predictor(rh.keypoint_head(kf)), "keypoint_head output for every detection [D,J,56,56]")
    put("final_boxes", result["boxes"], "model output boxes, original-image pixels [D,4]")
    put("final_scores", result["scores"], "[D]")
    put("final_labels", result["labels"], "[D]")
    if "keypoints" in result:
        put("final_keypoints", result["keypoints"], "[D,J,3] original-image pixels (third column 1)")
        put("final_keypoints_scores", result["keypoints_scores"], "[D,J] heatmap logit at the argmax")
    meta = {
        "original_size": [int(image.shape[1]), int(image.shape[2])],
        "resized_size": [int(v) for v in rh_sizes[0]],
        "padded_size": [int(v) for v in images.tensors.shape[-2:]],
        "tensors": index,
    }
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(prog="reference.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model directory (model.json + checkpoint.pt)")
    ap.add_argument("--input", required=True, help="image directory, image file or video file")
    ap.add_argument("--output", required=True, help="JSONL file to write")
    ap.add_argument("--intermediates", help="directory for intermediate tensors (.npy + index.json per frame)")
    ap.add_argument("--intermediate-frames", type=int, default=2, help="frames with intermediates (default 2)")
    ap.add_argument("--max-frames", type=int)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, manifest = load_model_dir(args.model)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    count = 0
    with open(args.output, "w") as out, torch.no_grad():
        for i, source, rgb in frames(args.input, args.max_frames):
            image = to_tensor(rgb)
            result = detect(model, [image])[0]
            out.write(json.dumps(frame_record(i, source, rgb, result, manifest), separators=(",", ":")) + "\n")
            if args.intermediates and i < args.intermediate_frames:
                write_intermediates(model, manifest, image, os.path.join(args.intermediates, f"frame_{i:06d}"), result)
            count += 1
    print(f"reference: {count} frames -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli("reference.py", main))
