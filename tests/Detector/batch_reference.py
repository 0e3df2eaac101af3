#!/usr/bin/env python3
"""torchvision's own model on a batch of frames of different sizes, in one forward call, and on each frame alone.

    /usr/bin/python3 tests/Detector/batch_reference.py --model DIR --output-dir OUT IMAGE [IMAGE ...]

writes OUT/batched.jsonl (model([f1, f2, ...]): GeneralizedRCNNTransform.batch_images pads every frame to the
batch's largest resized size rounded up to size_divisible, so a frame's result depends on its batch-mates) and
OUT/alone.jsonl (model([f]) per frame), one line per frame in the order given, in tools/model/reference.py's
format, plus OUT/batch.json with each frame's resized size and the padded batch size.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "model"))

import torch  # noqa: E402

import reference as R  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, manifest = R.load_model_dir(args.model)
    rgbs = [R._read_image(p) for p in args.images]
    tensors = [R.to_tensor(rgb) for rgb in rgbs]
    os.makedirs(args.output_dir, exist_ok=True)
    with torch.no_grad():
        batched = R.detect(model, tensors)
        alone = [R.detect(model, [t])[0] for t in tensors]
        images, _ = model.transform(tensors)
    for name, results in (("batched", batched), ("alone", alone)):
        with open(os.path.join(args.output_dir, f"{name}.jsonl"), "w") as out:
            for i, (path, rgb, result) in enumerate(zip(args.images, rgbs, results)):
                rec = R.frame_record(i, os.path.basename(path), rgb, result, manifest)
                out.write(json.dumps(rec, separators=(",", ":")) + "\n")
    with open(os.path.join(args.output_dir, "batch.json"), "w") as f:
        json.dump({"resized_sizes": [list(map(int, s)) for s in images.image_sizes],
                   "padded_size": [int(v) for v in images.tensors.shape[-2:]]}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
