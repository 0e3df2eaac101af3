#!/usr/bin/env python3
"""Train the `tiny` Mask R-CNN (boxes, masks, keypoints) on COCO datasets written by
`maskstream dataset coco`, on CPU, reproducibly and resumably.

    /usr/bin/python3 tools/model/train.py --data DIR [--data DIR2 ...] --steps 12000 --out models/tiny.pt

Every step is seeded from (--seed, step): which images form the batch, their augmentation, the
training size and torchvision's RoI sampling. A run resumed from a checkpoint therefore takes the
same steps as one that never stopped. Checkpoints (model, optimizer, step) go to --ckpt-dir
(default ~/.cache/maskstream/train/<run>) every --checkpoint-minutes and at the end, each written
to a temporary file and renamed; the loss log is loss.jsonl in the same directory. Classes and
keypoints come from the dataset's categories.
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import architectures as A  # noqa: E402
import cocodata  # noqa: E402
from errors import UserError, run_cli  # noqa: E402

CHECKPOINT_FORMAT = "maskstream-checkpoint"


def _split_list(values):
    out = []
    for v in values or []:
        out += [p for p in v.split(",") if p]
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="train.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="COCO dataset directory (repeat, or comma-separate)")
    ap.add_argument("--steps", type=int, default=12000, help="total optimizer steps (default 12000)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3, help="AdamW peak learning rate (cosine decay to 0)")
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=300, help="linear warm-up steps")
    ap.add_argument("--min-sizes", default="384,416,448,480",
                    help="training resize min sizes, one drawn per step (default 384,416,448,480: a 640x480 "
                    "frame trains at 512x384 .. 640x480; the model runs at 640x480)")
    ap.add_argument("--max-size", type=int, default=640, help="training resize max size (default 640)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--run", default="tiny", help="run name (checkpoint directory name)")
    ap.add_argument("--ckpt-dir", help="checkpoint directory (default ~/.cache/maskstream/train/<run>)")
    ap.add_argument("--resume", action="store_true", help="continue from <ckpt-dir>/last.pt")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--stop-after", type=int, help="run at most this many steps now, checkpoint and exit (resume later)")
    ap.add_argument("--max-minutes", type=float, help="stop after this many minutes, checkpoint and exit (resume later)")
    ap.add_argument("--init-from", help="start a new run from these weights (a state dict or a MaskStream checkpoint of the "
                    "same model); with --keypoint-layers or --mask-layers deeper than its heads, the layers they lack start "
                    "as identities")
    ap.add_argument("--keypoint-layers", help="channels of the keypoint head's convolutions, comma-separated (default: "
                    "the tiny config's); a new run only")
    ap.add_argument("--mask-layers", help="channels of the mask head's convolutions, comma-separated (default: the tiny "
                    "config's); a new run only")
    ap.add_argument("--train-only", choices=["all", "keypoint", "mask"], default="all",
                    help="keypoint (mask): train the keypoint (mask) head and predictor alone; everything else is frozen in "
                    "eval mode")
    ap.add_argument("--out", help="final weights (MaskStream checkpoint without optimizer state)")
    ap.add_argument("--export", help="also export the final model to this directory (export.py)")
    return ap.parse_args(argv)


def lr_at(step, args):
    warm = min(1.0, (step + 1) / max(1, args.warmup))
    return args.lr * warm * 0.5 * (1.0 + math.cos(math.pi * min(step, args.steps) / max(1, args.steps)))


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def make_config(dataset):
    """The tiny config for the dataset's categories (classes, keypoint names, skeleton, keypoint class)."""
    if not dataset.keypoint_names:
        return _no_keypoint_config(dataset)
    cfg = A.default_config("tiny", classes=dataset.classes, keypoint_names=dataset.keypoint_names, skeleton=dataset.skeleton)
    cfg["keypoint_class"] = dataset.keypoint_class
    return cfg


def _no_keypoint_config(dataset):
    cfg = A.default_config("tiny", classes=dataset.classes)
    cfg.update(keypoints=False, keypoint_names=None, keypoint_skeleton=None, keypoint_class=None)
    return cfg


def _channels(text, option):
    """--keypoint-layers, --mask-layers: comma-separated positive channel counts."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UserError(f"{option} {text}: expected positive channel counts, comma-separated (e.g. 64,64,64,64,64,64,64,64)")
    return [int(p) for p in parts]


def _identity_layers(head, prefix, sd, what):
    """Convolutions of `head` that the weights `sd` lack (a deeper head than theirs) become identities, added to `sd`:
    each follows a ReLU, so conv(x) = x (then ReLU(x) = x) keeps the old head's function exactly and training starts from
    its accuracy. Returns the indices of the head's layers so added."""
    added = []
    for name, layer in head.named_modules():
        if not isinstance(layer, torch.nn.Conv2d) or f"{prefix}.{name}.weight" in sd:
            continue
        index = int(name.split(".")[0])
        if layer.in_channels != layer.out_channels:
            raise UserError(f"--init-from: {what} layer {index} has {layer.in_channels} -> {layer.out_channels} channels; "
                            "only layers of equal width can be added as identities")
        with torch.no_grad():
            layer.weight.zero_()
            k = layer.kernel_size[0] // 2
            for c in range(layer.out_channels):
                layer.weight[c, c, k, k] = 1.0
            layer.bias.zero_()
        sd[f"{prefix}.{name}.weight"] = layer.weight.detach().clone()
        sd[f"{prefix}.{name}.bias"] = layer.bias.detach().clone()
        added.append(index)
    return added


def init_from(model, path):
    """Loads `path` into `model`. Keypoint- or mask-head convolutions the weights lack (a deeper head than theirs, from
    --keypoint-layers or --mask-layers) start as identities (_identity_layers)."""
    if not os.path.isfile(path):
        raise UserError(f"--init-from: no such file '{path}'")
    obj = torch.load(path, map_location="cpu")
    sd = dict(obj["model"] if isinstance(obj, dict) and isinstance(obj.get("model"), dict) else obj)
    own = model.state_dict()
    heads = []
    if model.roi_heads.has_keypoint():
        heads.append(("keypoint", _identity_layers(model.roi_heads.keypoint_head, "roi_heads.keypoint_head", sd, "keypoint")))
    if model.roi_heads.has_mask():
        heads.append(("mask", _identity_layers(model.roi_heads.mask_head, "roi_heads.mask_head", sd, "mask")))
    missing = [k for k in own if k not in sd and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in sd if k not in own and not k.endswith("num_batches_tracked")]
    mismatched = [k for k in own if k in sd and sd[k].shape != own[k].shape]
    if missing or unexpected or mismatched:
        raise UserError(f"--init-from: '{path}' does not fit the model: missing {missing[:3]}, unexpected {unexpected[:3]}, "
                        f"other shape {mismatched[:3]}")
    model.load_state_dict(sd, strict=False)
    for what, added in heads:
        if added:
            print(f"train: {what} head layers {added} start as identities", flush=True)


def freeze_for(model, which):
    """The modules that train (None = all); the others' parameters stop requiring gradients."""
    if which == "all":
        return None
    if which == "keypoint":
        trained = [model.roi_heads.keypoint_head, model.roi_heads.keypoint_predictor]
    else:
        trained = [model.roi_heads.mask_head, model.roi_heads.mask_predictor]
    keep = {id(p) for m in trained for p in m.parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in keep)
    return trained


def set_train_mode(model, trained):
    """train() for torchvision's losses; frozen parts' BatchNorm stays in eval mode, so the features the trained head sees
    are those it will see at test time (and the running statistics do not drift)."""
    model.train()
    if trained is None:
        return
    inside = {id(m) for t in trained for m in t.modules()}
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and id(m) not in inside:
            m.eval()


def batch_for_step(dataset, step, args):
    """The images of a step, drawn from an epoch permutation seeded by (seed, epoch)."""
    n = len(dataset)
    out = []
    for k in range(args.batch_size):
        pos = step * args.batch_size + k
        epoch, i = divmod(pos, n)
        order = list(range(n))
        random.Random(args.seed * 1_000_003 + epoch).shuffle(order)
        out.append(dataset.load(order[i], random.Random(f"{args.seed}:{step}:{k}")))
    return out


def train(args):
    torch.set_num_threads(args.threads)
    roots = _split_list(args.data)
    dataset = cocodata.Detections(roots, augment=True)
    ckpt_dir = os.path.expanduser(args.ckpt_dir or os.path.join("~/.cache/maskstream/train", args.run))
    os.makedirs(ckpt_dir, exist_ok=True)
    last = os.path.join(ckpt_dir, "last.pt")

    start = 0
    state = None
    if args.resume:
        if not os.path.isfile(last):
            raise UserError(f"--resume: no checkpoint at {last}")
        state = torch.load(last, map_location="cpu")
        cfg = state["config"]
        if cfg["classes"] != dataset.classes:
            raise UserError(f"--resume: checkpoint classes {cfg['classes']} differ from the dataset's {dataset.classes}")
        start = int(state["step"])
    else:
        cfg = make_config(dataset)
        if args.keypoint_layers:
            if not cfg["keypoints"]:
                raise UserError("--keypoint-layers: the dataset has no keypoints")
            cfg["tiny"]["keypoint_layers"] = _channels(args.keypoint_layers, "--keypoint-layers")
        if args.mask_layers:
            cfg["tiny"]["mask_layers"] = _channels(args.mask_layers, "--mask-layers")
    min_sizes = tuple(int(s) for s in str(args.min_sizes).split(","))

    torch.manual_seed(args.seed)
    model = A.build_model(cfg)
    if state is None and args.init_from:
        init_from(model, args.init_from)
    trained = freeze_for(model, args.train_only)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
    # training resize (the exported model keeps cfg's eval resize rule)
    model.transform.min_size = min_sizes
    model.transform.max_size = args.max_size
    set_train_mode(model, trained)

    def checkpoint(step, elapsed):
        save_atomic(
            {
                "format": CHECKPOINT_FORMAT,
                "version": 1,
                "config": cfg,
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "step": step,
                "seed": args.seed,
                "args": vars(args),
                "data": [os.path.abspath(r) for r in roots],
                "elapsed_s": elapsed,
            },
            last,
        )

    # SIGTERM or Ctrl-C: finish the step under way, checkpoint and exit as --max-minutes does, so a run can be stopped at
    # any moment without losing up to --checkpoint-minutes of work (a second signal kills at once).
    stop_requested = []

    def request_stop(signum, frame):
        if stop_requested:
            raise KeyboardInterrupt
        stop_requested.append(signum)
        print(f"train: signal {signum}: stopping after this step", flush=True)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, request_stop)

    log = open(os.path.join(ckpt_dir, "loss.jsonl"), "a")
    elapsed0 = float(state.get("elapsed_s", 0.0)) if state else 0.0
    t0 = time.time()
    last_ckpt = time.time()
    window = []
    step = start
    print(f"train: {len(dataset)} images, classes {dataset.classes[1:]}, steps {start}..{args.steps}, "
          f"checkpoints in {ckpt_dir}", flush=True)
    stop = args.steps if args.stop_after is None else min(args.steps, start + args.stop_after)
    for step in range(start, stop):
        if stop_requested or (args.max_minutes is not None and time.time() - t0 > args.max_minutes * 60):
            stop = step
            break
        ts = time.time()
        torch.manual_seed(args.seed * 1_000_003 + step)  # RoI sampling, training size
        batch = batch_for_step(dataset, step, args)
        images = [b[0] for b in batch]
        targets = [b[1] for b in batch]
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        losses = model(images, targets)
        loss = sum(losses.values())
        if not torch.isfinite(loss):
            raise RuntimeError(f"loss is {loss.item()} at step {step}: lower --lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        window.append(time.time() - ts)
        if (step + 1) % args.log_every == 0 or step == start or step + 1 == args.steps:
            rec = {"step": step + 1, "lr": opt.param_groups[0]["lr"], "loss": loss.item()}
            rec.update({k: v.item() for k, v in losses.items()})
            rec["s_per_step"] = sum(window) / len(window)
            rec["elapsed_s"] = elapsed0 + time.time() - t0
            window = []
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print("train: " + " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()), flush=True)
        if time.time() - last_ckpt > args.checkpoint_minutes * 60:
            checkpoint(step + 1, elapsed0 + time.time() - t0)
            last_ckpt = time.time()
    final_step = max(start, stop)
    checkpoint(final_step, elapsed0 + time.time() - t0)
    log.close()
    if final_step < args.steps:
        print(f"train: stopped at step {final_step} of {args.steps}; continue with the same command plus --resume")
        return model
    model.eval()
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        save_atomic(
            {"format": CHECKPOINT_FORMAT, "version": 1, "config": cfg, "model": model.state_dict(),
             "step": final_step, "seed": args.seed, "data": [os.path.abspath(r) for r in roots],
             "elapsed_s": elapsed0 + time.time() - t0},
            args.out,
        )
        print(f"train: final weights -> {args.out}")
    if args.export:
        import export

        m, c, info = export.load_model("tiny", args.out or last)
        export.export_model_dir(m, c, info, args.export)
        print(f"train: exported -> {args.export}")
    return model


def main(argv=None):
    args = parse_args(argv)
    if args.steps < 1 or args.batch_size < 1:
        raise UserError("--steps and --batch-size must be at least 1")
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli("train.py", main))
