#!/usr/bin/env python3
"""Export a torchvision Mask R-CNN / Keypoint R-CNN as MaskStream's split model directory.

    /usr/bin/python3 tools/model/export.py --arch NAME --weights none|DEFAULT|PATH [--seed S] --out DIR

writes DIR/backbone_rpn.onnx, box_head.onnx, mask_head.onnx, keypoint_head.onnx (those the model
has), model.json (docs/MODEL_FORMAT.md) and checkpoint.pt (plain state dict). Each graph is checked
with onnx.checker and evaluated (tools/model/onnx_eval.py) against torch eager on an input of
another size and batch than the one it was traced with.
"""
import argparse
import hashlib
import warnings
import json
import math
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch import nn  # noqa: E402

import architectures as A  # noqa: E402
from errors import UserError, run_cli  # noqa: E402

OPSET = 17
FORMAT = "maskstream.model"
FORMAT_VERSION = 1

# torchvision weights for DEFAULT, and the FrozenBatchNorm eps torchvision sets after loading them.
_TV_WEIGHTS = {
    "maskrcnn_resnet50_fpn": ("MaskRCNN_ResNet50_FPN_Weights", 0.0),
    "maskrcnn_resnet50_fpn_v2": ("MaskRCNN_ResNet50_FPN_V2_Weights", None),
    "keypointrcnn_resnet50_fpn": ("KeypointRCNN_ResNet50_FPN_Weights", 0.0),
}


# --------------------------------------------------------------------------------------------------
# graph wrappers: exactly the submodules torchvision runs, nothing else


class BackboneRPN(nn.Module):
    """image [N,3,H,W] (normalized, padded) -> FPN maps, then per level RPN objectness [N,A,h,w]
    and deltas [N,4A,h,w] (channel a*4+k = coordinate k of anchor a)."""

    def __init__(self, model):
        super().__init__()
        self.backbone = model.backbone
        self.head = model.rpn.head

    def forward(self, image):
        feats = list(self.backbone(image).values())
        logits, deltas = self.head(feats)
        return tuple(feats) + tuple(logits) + tuple(deltas)


class BoxHead(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.head = model.roi_heads.box_head
        self.predictor = model.roi_heads.box_predictor

    def forward(self, roi_features):
        return self.predictor(self.head(roi_features))


class MaskHead(nn.Module):
    """mask_head + mask_predictor; with fast=True the predictor as SubpixelMaskPredictor (same arithmetic)."""

    def __init__(self, model, fast=False):
        super().__init__()
        self.head = model.roi_heads.mask_head
        self.predictor = model.roi_heads.mask_predictor
        if fast:
            self.predictor = SubpixelMaskPredictor.replace(self.predictor)

    def forward(self, mask_features):
        return self.predictor(self.head(mask_features))


class KeypointHead(nn.Module):
    """keypoint_head + keypoint_predictor; with fast=True the predictor as MatMulKeypointPredictor (same arithmetic)."""

    def __init__(self, model, fast=False):
        super().__init__()
        self.head = model.roi_heads.keypoint_head
        self.predictor = model.roi_heads.keypoint_predictor
        if fast:
            size = model.roi_heads.keypoint_roi_pool.output_size
            self.predictor = MatMulKeypointPredictor.replace(self.predictor, size)

    def forward(self, keypoint_features):
        return self.predictor(self.head(keypoint_features))


# --------------------------------------------------------------------------------------------------
# the predictors rewritten for ONNX Runtime: torchvision's arithmetic (outputs equal up to float rounding,
# tests/test_fast_predictors.py), in operators ONNX Runtime's CPU provider runs faster. Measured with
# `MaskStream.Bench detector-graphs --compare` (docs/PERFORMANCE.md).


class _DepthToSpaceDCR(torch.autograd.Function):
    """[N, r*r*C, H, W] -> [N, C, r*H, r*W]: input channel (i*r + j)*C + c -> output channel c, pixel (r*y + i, r*x + j).
    ONNX DepthToSpace mode DCR (torch's pixel_shuffle is mode CRD: channel c*r*r + i*r + j)."""

    @staticmethod
    def forward(ctx, x, r):
        n, c, h, w = x.shape
        c //= r * r
        return x.reshape(n, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c, h * r, w * r)

    @staticmethod
    def symbolic(g, x, r):
        with warnings.catch_warnings():  # torch 1.13 flags g.op as deprecated in favour of its 2.x GraphContext.op
            warnings.simplefilter("ignore", FutureWarning)
            return g.op("DepthToSpace", x, blocksize_i=r, mode_s="DCR")


class SubpixelMaskPredictor(nn.Module):
    """torchvision's MaskRCNNPredictor, ConvTranspose2d(C_in, C, 2, stride 2) -> ReLU -> Conv2d(C, K, 1), as
    Conv2d(C_in, 4C, 1) -> ReLU -> Conv2d(4C, 4K, 1) -> DepthToSpace(2, DCR).

    A 2x2 stride-2 transposed convolution gives each output pixel exactly one input pixel and one kernel tap:
    out[o, 2y+i, 2x+j] = b[o] + sum_c W[c, o, i, j] x[c, y, x]. That is a 1x1 convolution to channel s*C + o of
    sub-pixel s = 2i + j (weight W[c, o, i, j], bias b[o]); the ReLU and the 1x1 logits act per pixel, so they
    apply per sub-pixel before DepthToSpace puts the pixels in place. The logits are one block-diagonal 1x1 conv
    (block s maps sub-pixel s's C channels to its K logits; the other weights are zero). ONNX Runtime fuses the
    ReLU into the first Conv and keeps both Convs in its blocked NCHWc layout, where it ran the ConvTranspose as
    an NCHW kernel with layout reorders around it and an unfused ReLU.

    Used when 4K <= 16 (the tiny model, K = 4: 16 channels are one NCHWc block of ORT's AVX-512 kernels, and the
    zero blocks cost 4x the logits' small multiply-adds). For the R50 models (K = 91) neither this form (+10 % of
    the head's multiply-adds) nor grouped logits (groups 4, no zeros) measured faster than torchvision's, so
    replace() leaves their predictor as it is."""

    MAX_LOGITS = 16

    @classmethod
    def replace(cls, pred):
        t = getattr(pred, "conv5_mask", None)
        logits = getattr(pred, "mask_fcn_logits", None)
        ok = (
            isinstance(t, nn.ConvTranspose2d) and tuple(t.kernel_size) == (2, 2) and tuple(t.stride) == (2, 2)
            and tuple(t.padding) == (0, 0) and tuple(t.output_padding) == (0, 0) and tuple(t.dilation) == (1, 1)
            and t.groups == 1 and t.bias is not None and isinstance(getattr(pred, "relu", None), nn.ReLU)
            and isinstance(logits, nn.Conv2d) and tuple(logits.kernel_size) == (1, 1) and logits.groups == 1
            and logits.bias is not None and list(pred) == [t, pred.relu, logits]
        )
        return cls(pred) if ok and 4 * logits.out_channels <= cls.MAX_LOGITS else pred

    def __init__(self, pred):
        super().__init__()
        t, logits = pred.conv5_mask, pred.mask_fcn_logits
        w = t.weight.detach()  # [C_in, C, 2, 2]
        c_in, c = w.shape[:2]
        k = logits.out_channels
        self.up = nn.Conv2d(c_in, 4 * c, 1)
        self.up.weight.data = w.permute(2, 3, 1, 0).reshape(4 * c, c_in, 1, 1).clone()  # channel (2i + j)*C + o
        self.up.bias.data = t.bias.detach().repeat(4)
        self.logits = nn.Conv2d(4 * c, 4 * k, 1)
        dense = torch.zeros(4 * k, 4 * c, 1, 1, dtype=w.dtype)
        for s in range(4):
            dense[s * k:(s + 1) * k, s * c:(s + 1) * c] = logits.weight.detach()
        self.logits.weight.data = dense
        self.logits.bias.data = logits.bias.detach().repeat(4)

    def forward(self, x):
        return _DepthToSpaceDCR.apply(self.logits(torch.relu(self.up(x))), 2)


def bilinear_x2_matrix(n):
    """[2n, n] matrix U with U @ v = torch's bilinear x2 interpolation of v along one axis (align_corners=False,
    scale factor 2, recompute_scale_factor=False: source (o + 0.5)/2 - 0.5 clamped to [0, n-1], two taps)."""
    u = torch.zeros(2 * n, n, dtype=torch.float64)
    for o in range(2 * n):
        src = max((o + 0.5) * 0.5 - 0.5, 0.0)
        i0 = min(int(src), n - 1)
        i1 = i0 + 1 if i0 < n - 1 else i0
        lam = src - i0
        u[o, i0] += 1.0 - lam
        u[o, i1] += lam
    return u.float()


class MatMulKeypointPredictor(nn.Module):
    """torchvision's KeypointRCNNPredictor, ConvTranspose2d(C, K, 4, stride 2, padding 1) -> bilinear x2, with the
    bilinear x2 as two MatMuls by constant interpolation matrices: heatmaps = U_h @ deconv(x) @ U_w^T. Each output
    is the same two-tap blend per axis, columns first and then rows as torch's upsample_bilinear2d does; the
    other entries of U are zeros. ONNX Runtime's Resize was ~30 % of the keypoint head; the MatMuls are one
    large GEMM and one batched GEMM. (The ConvTranspose as a 3x3 conv to 4K channels + DepthToSpace measured
    slower than ORT's ConvTranspose here, so it stays.)"""

    @classmethod
    def replace(cls, pred, roi_size):
        t = getattr(pred, "kps_score_lowres", None)
        ok = (
            isinstance(t, nn.ConvTranspose2d) and tuple(t.kernel_size) == (4, 4) and tuple(t.stride) == (2, 2)
            and tuple(t.padding) == (1, 1) and tuple(t.output_padding) == (0, 0) and getattr(pred, "up_scale", None) == 2
            and type(pred).forward is _TV_KEYPOINT_FORWARD
        )
        return cls(pred, roi_size) if ok else pred

    def __init__(self, pred, roi_size):
        super().__init__()
        self.deconv = pred.kps_score_lowres
        h, w = 2 * int(roi_size[0]), 2 * int(roi_size[1])  # the deconv's output size
        self.register_buffer("rows", bilinear_x2_matrix(h))
        self.register_buffer("cols_t", bilinear_x2_matrix(w).t().contiguous())

    def forward(self, x):
        return torch.matmul(self.rows, torch.matmul(self.deconv(x), self.cols_t))


def _tv_keypoint_forward():
    from torchvision.models.detection.keypoint_rcnn import KeypointRCNNPredictor

    return KeypointRCNNPredictor.forward


_TV_KEYPOINT_FORWARD = _tv_keypoint_forward()


# --------------------------------------------------------------------------------------------------
# weights


def set_eval_size(model, cfg, min_size=None, max_size=None):
    """Overrides the test-time resize rule (torchvision's min_size / max_size arguments) of a loaded model: the
    graphs do not depend on it (dynamic image size); model.json and the config torchvision rebuilds from do."""
    det = cfg["detector"]
    for flag, value in (("--min-size", min_size), ("--max-size", max_size)):
        if value is not None and value <= 0:
            raise UserError(f"{flag} {value}: must be a positive number of pixels")
    new_min = A.eval_min_size(cfg) if min_size is None else int(min_size)
    new_max = int(det["max_size"]) if max_size is None else int(max_size)
    if new_min > new_max:
        raise UserError(f"--min-size {new_min} is above --max-size {new_max}")
    if min_size is not None:
        det["min_size"] = new_min
        model.transform.min_size = (new_min,)
    if max_size is not None:
        det["max_size"] = new_max
        model.transform.max_size = new_max


def load_model(arch, weights, seed=0, classes=None, frozen_bn_eps=None):
    """-> (model in eval mode, config, weights description for model.json)."""
    if arch not in A.ARCHS:
        raise UserError(f"unknown architecture '{arch}'; known: {', '.join(A.ARCHS)}")
    if weights == "none":
        cfg = A.default_config(arch, classes=_with_background(classes))
        torch.manual_seed(seed)
        model = A.build_model(cfg)
        A.init_random_weights(model, seed)
        return model, cfg, {"source": "none", "seed": seed}
    if weights == "DEFAULT":
        return _load_default(arch)
    return _load_path(arch, weights, classes, frozen_bn_eps)


def _with_background(classes):
    if not classes:
        return None
    return ["__background__"] + [c for c in classes if c != "__background__"]


def _load_default(arch):
    if arch not in _TV_WEIGHTS:
        raise UserError(
            f"torchvision has no COCO weights for '{arch}'; use --weights none or a checkpoint PATH"
        )
    import torchvision.models.detection as D

    enum_name, eps = _TV_WEIGHTS[arch]
    w = getattr(D, enum_name).DEFAULT
    cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(w.url))
    socket.setdefaulttimeout(60)
    try:
        sd = w.get_state_dict(progress=False)
    except Exception as e:  # no network, proxy, disk: all mean the same to the user
        raise UserError(
            f"could not load torchvision's {enum_name}.DEFAULT weights ({type(e).__name__}: {e}); they are "
            f"downloaded from {w.url} into {cached}: copy that file there on a machine without network access"
        )
    cfg = A.default_config(arch, classes=list(w.meta["categories"]))
    if eps is not None:
        cfg["frozen_bn_eps"] = eps
    model = A.build_model(cfg)
    _load_state_dict(model, sd, f"torchvision {enum_name}.DEFAULT")
    return model, cfg, {"source": "DEFAULT", "torchvision_weights": f"{enum_name}.{w.name}", "url": w.url}


def _load_path(arch, path, classes, frozen_bn_eps=None):
    if not os.path.isfile(path):
        raise UserError(f"--weights: no such file '{path}' (expected none, DEFAULT or a checkpoint path)")
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:
        raise UserError(f"'{path}' is not a torch checkpoint ({type(e).__name__}: {e})")
    # The file's name and digest, not its absolute path: model.json is committed and shipped, and where a checkpoint lay on
    # the machine that exported it means nothing elsewhere (and names that machine's user).
    info = {"source": "path", "file": os.path.basename(path), "sha256": _sha256(path)}
    if isinstance(obj, dict) and obj.get("format") == "maskstream-checkpoint":
        cfg = obj["config"]
        if cfg.get("arch") != arch:
            raise UserError(f"checkpoint '{path}' is a '{cfg.get('arch')}' model, not '{arch}'")
        sd = obj["model"]
        info.update(step=obj.get("step"), seed=obj.get("seed"))
    else:
        sd = obj["model"] if isinstance(obj, dict) and isinstance(obj.get("model"), dict) else obj
        if not isinstance(sd, dict) or not all(torch.is_tensor(v) for v in sd.values()):
            raise UserError(f"'{path}' holds neither a state dict nor a MaskStream checkpoint")
        cfg = A.default_config(arch, classes=_with_background(classes))
        if frozen_bn_eps is not None:
            if cfg["norm"] != "frozen_bn":
                raise UserError(f"--frozen-bn-eps: '{arch}' has no FrozenBatchNorm layers")
            cfg["frozen_bn_eps"] = frozen_bn_eps
        _check_keys(A.build_model(cfg), sd, f"checkpoint '{path}'")
        k = sd.get("roi_heads.box_predictor.cls_score.weight")
        if k is not None and k.shape[0] != len(cfg["classes"]) and not classes:
            raise UserError(
                f"checkpoint '{path}' has {k.shape[0]} classes (with background) but '{arch}' has "
                f"{len(cfg['classes'])}; pass --classes NAME,NAME,... (without background) to name them"
            )
    model = A.build_model(cfg)
    _load_state_dict(model, sd, f"checkpoint '{path}'")
    return model, cfg, info


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_keys(model, sd, what):
    own = model.state_dict()
    missing = [k for k in own if k not in sd and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in sd if k not in own and not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        _raise_mismatch(model, what, missing, unexpected, [])


def _raise_mismatch(model, what, missing, unexpected, mismatched):
    arch = model.maskstream_config["arch"]
    parts = []
    if mismatched:
        parts.append(f"{len(mismatched)} tensors of another shape (e.g. {', '.join(mismatched[:2])})")
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:2])})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:2])})")
    raise UserError(f"{what} does not fit architecture '{arch}': " + "; ".join(parts))


def _load_state_dict(model, sd, what):
    own = model.state_dict()
    missing = [k for k in own if k not in sd and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in sd if k not in own and not k.endswith("num_batches_tracked")]
    mismatched = [
        f"{k} {tuple(sd[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if k in sd and torch.is_tensor(sd[k]) and sd[k].shape != own[k].shape
    ]
    if missing or unexpected or mismatched:
        _raise_mismatch(model, what, missing, unexpected, mismatched)
    model.load_state_dict(sd, strict=False)  # num_batches_tracked may be absent (FrozenBN checkpoints)
    model.eval()


# --------------------------------------------------------------------------------------------------
# export


def level_info(model, cfg):
    """Per FPN level: name, nominal stride, whether RoIAlign pools it, its anchor sizes."""
    probe = torch.zeros(1, 3, 256, 256)
    with torch.no_grad():
        feats = model.backbone(probe)
    pooled = set(model.roi_heads.box_roi_pool.featmap_names)
    levels = []
    for (name, f), sizes in zip(feats.items(), cfg["anchor_sizes"]):
        levels.append(
            {
                "name": name,
                "stride": 256 // f.shape[-1],
                "roi_pool": name in pooled,
                "anchor_sizes": [int(s) for s in sizes],
            }
        )
    return levels, model.backbone.out_channels


def export_graphs(model, out_dir, trace_size=(320, 416), fast_predictors=True):
    """Trace and save every graph. Returns {graph key: {file, inputs, outputs}} for model.json. fast_predictors:
    the mask and keypoint predictors as SubpixelMaskPredictor / MatMulKeypointPredictor (same arithmetic)."""
    cfg = model.maskstream_config
    levels, channels = level_info(model, cfg)
    names = [lv["name"] for lv in levels]
    rh = model.roi_heads
    num_classes = len(cfg["classes"])
    graphs = {}

    def export(module, key, example, in_name, in_shape, outputs):
        path = os.path.join(out_dir, f"{key}.onnx")
        dyn = {in_name: {i: d for i, d in enumerate(in_shape) if isinstance(d, str)}}
        for name, shape in outputs:
            dyn[name] = {i: d for i, d in enumerate(shape) if isinstance(d, str)}
        with torch.no_grad():
            torch.onnx.export(
                module.eval(),
                (example,),
                path,
                input_names=[in_name],
                output_names=[n for n, _ in outputs],
                dynamic_axes=dyn,
                opset_version=OPSET,
                do_constant_folding=True,
            )
        graphs[key] = {
            "file": f"{key}.onnx",
            "inputs": [{"name": in_name, "shape": in_shape, "dtype": "float32"}],
            "outputs": [{"name": n, "shape": s, "dtype": "float32"} for n, s in outputs],
        }

    a = model.rpn.anchor_generator.num_anchors_per_location()[0]
    outs = [(f"feature_{n}", ["N", channels, f"h_{n}", f"w_{n}"]) for n in names]
    outs += [(f"rpn_objectness_{n}", ["N", a, f"h_{n}", f"w_{n}"]) for n in names]
    outs += [(f"rpn_deltas_{n}", ["N", 4 * a, f"h_{n}", f"w_{n}"]) for n in names]
    h, w = trace_size
    export(BackboneRPN(model), "backbone_rpn", torch.rand(1, 3, h, w), "image", ["N", 3, "H", "W"], outs)

    p = rh.box_roi_pool.output_size
    export(
        BoxHead(model), "box_head", torch.rand(2, channels, p[0], p[1]), "roi_features",
        ["R", channels, p[0], p[1]],
        [("class_logits", ["R", num_classes]), ("box_deltas", ["R", 4 * num_classes])],
    )
    if rh.has_mask():
        p = rh.mask_roi_pool.output_size
        export(
            MaskHead(model, fast_predictors), "mask_head", torch.rand(2, channels, p[0], p[1]), "mask_features",
            ["R", channels, p[0], p[1]], [("mask_logits", ["R", num_classes, 4 * p[0] // 2, 4 * p[1] // 2])],
        )
    if rh.has_keypoint():
        p = rh.keypoint_roi_pool.output_size
        j = len(cfg["keypoint_names"])
        export(
            KeypointHead(model, fast_predictors), "keypoint_head", torch.rand(2, channels, p[0], p[1]), "keypoint_features",
            ["R", channels, p[0], p[1]], [("keypoint_heatmaps", ["R", j, 4 * p[0], 4 * p[1]])],
        )
    return graphs, levels, channels


def _roi_align(pool):
    size = pool.output_size
    return {
        "output_size": [int(size[0]), int(size[1])],
        "sampling_ratio": int(pool.sampling_ratio),
        "aligned": False,  # MultiScaleRoIAlign never passes `aligned`: torchvision's legacy default
        "featmap_names": list(pool.featmap_names),
    }


def build_manifest(model, cfg, weights_info, graphs, levels, channels, name):
    import onnx
    import torchvision

    det = cfg["detector"]
    rh = model.roi_heads
    classes = cfg["classes"]
    pooled = [lv for lv in levels if lv["roi_pool"]]
    k_min = int(round(math.log2(min(lv["stride"] for lv in pooled))))
    k_max = int(round(math.log2(max(lv["stride"] for lv in pooled))))
    for lv in levels:
        n = lv["name"]
        lv.update(feature=f"feature_{n}", rpn_objectness=f"rpn_objectness_{n}", rpn_deltas=f"rpn_deltas_{n}")
    clip = math.log(1000.0 / 16)
    box_weights = list(det["bbox_reg_weights"] or (10.0, 10.0, 5.0, 5.0))
    mask_head = None
    if rh.has_mask():
        mask_head = {
            "graph": "mask_head",
            "roi_align": _roi_align(rh.mask_roi_pool),
            "mask_size": graphs["mask_head"]["outputs"][0]["shape"][2],
            "mask_threshold": 0.5,
            "paste_padding": 1,
        }
    keypoint_head = None
    if rh.has_keypoint():
        keypoint_head = {
            "graph": "keypoint_head",
            "roi_align": _roi_align(rh.keypoint_roi_pool),
            "heatmap_size": graphs["keypoint_head"]["outputs"][0]["shape"][2],
            "class": cfg["keypoint_class"],
            "class_id": classes.index(cfg["keypoint_class"]),
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "arch": cfg["arch"],
        "weights": weights_info,
        "exported_with": {
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "onnx": onnx.__version__,
            "opset": OPSET,
        },
        "classes": classes,
        "keypoints": None
        if not cfg.get("keypoints")
        else {
            "names": cfg["keypoint_names"],
            "skeleton": cfg["keypoint_skeleton"],
            "class": cfg["keypoint_class"],
            "class_id": classes.index(cfg["keypoint_class"]),
        },
        "input": {
            "color_order": "RGB",
            "value_scale": "divide by 255 (uint8 -> [0,1])",
            "layout": "NCHW",
            "dtype": "float32",
            "mean": [float(v) for v in det["image_mean"]],
            "std": [float(v) for v in det["image_std"]],
            "pad_value": 0.0,
            "size_divisible": int(model.transform.size_divisible),
        },
        "resize": {
            "min_size": A.eval_min_size(cfg),
            "max_size": int(det["max_size"]),
            "mode": "bilinear",
            "align_corners": False,
            "antialias": False,
        },
        "features": {"channels": int(channels), "levels": levels},
        "anchors": {
            "sizes": [lv["anchor_sizes"] for lv in levels],
            "aspect_ratios": [float(r) for r in cfg["aspect_ratios"]],
            "num_anchors_per_location": int(model.rpn.anchor_generator.num_anchors_per_location()[0]),
        },
        "rpn": {
            "pre_nms_top_n_test": int(det["rpn_pre_nms_top_n_test"]),
            "post_nms_top_n_test": int(det["rpn_post_nms_top_n_test"]),
            "nms_thresh": float(det["rpn_nms_thresh"]),
            "score_thresh": float(det["rpn_score_thresh"]),
            "min_size": float(model.rpn.min_size),
            "box_coder_weights": [float(v) for v in model.rpn.box_coder.weights],
            "bbox_xform_clip": float(model.rpn.box_coder.bbox_xform_clip),
        },
        "box_head": {
            "graph": "box_head",
            "roi_align": _roi_align(rh.box_roi_pool),
            "box_coder_weights": [float(v) for v in box_weights],
            "bbox_xform_clip": clip,
            "score_thresh": float(det["box_score_thresh"]),
            "nms_thresh": float(det["box_nms_thresh"]),
            "detections_per_img": int(det["box_detections_per_img"]),
            "min_size": 1e-2,
        },
        "mask_head": mask_head,
        "keypoint_head": keypoint_head,
        "level_mapper": {
            "canonical_scale": int(rh.box_roi_pool.canonical_scale),
            "canonical_level": int(rh.box_roi_pool.canonical_level),
            "k_min": k_min,
            "k_max": k_max,
            "eps": 1e-6,
        },
        "frozen_bn_eps": cfg.get("frozen_bn_eps") if cfg.get("norm") == "frozen_bn" else None,
        "graphs": graphs,
        "parameters": A.parameter_summary(model),
        "architecture": cfg,
    }


def export_model_dir(model, cfg, weights_info, out_dir, name=None, verify=True, fast_predictors=True):
    os.makedirs(out_dir, exist_ok=True)
    graphs, levels, channels = export_graphs(model, out_dir, fast_predictors=fast_predictors)
    manifest = build_manifest(model, cfg, weights_info, graphs, levels, channels, name or cfg["arch"])
    if verify:
        manifest["verification"] = verify_graphs(model, out_dir, manifest)
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    torch.save(model.state_dict(), os.path.join(out_dir, "checkpoint.pt"))
    return manifest


def verify_graphs(model, out_dir, manifest, image_size=(2, 192, 256), rois=5):
    """onnx.checker on every graph, then each graph evaluated (onnx_eval) against torch eager (torchvision's own
    modules, not the rewritten predictors) on an input of another batch and size than the traced one.
    Returns {graph: max abs difference}."""
    import onnx

    import onnx_eval

    g = torch.Generator().manual_seed(1)
    n, h, w = image_size
    c = manifest["features"]["channels"]
    inputs = {"backbone_rpn": torch.rand(n, 3, h, w, generator=g) * 4 - 2}
    modules = {"backbone_rpn": BackboneRPN(model), "box_head": BoxHead(model)}
    if "mask_head" in manifest["graphs"]:
        modules["mask_head"] = MaskHead(model)
    if "keypoint_head" in manifest["graphs"]:
        modules["keypoint_head"] = KeypointHead(model)
    result = {}
    for key, module in modules.items():
        spec = manifest["graphs"][key]
        path = os.path.join(out_dir, spec["file"])
        onnx.checker.check_model(path)
        if key not in inputs:
            s = spec["inputs"][0]["shape"]
            inputs[key] = torch.randn(rois, c, s[2], s[3], generator=g).relu()
        with torch.no_grad():
            expected = module.eval()(inputs[key])
        if torch.is_tensor(expected):
            expected = (expected,)
        got = onnx_eval.run(onnx.load(path), {spec["inputs"][0]["name"]: inputs[key]})
        worst = 0.0
        for out, exp in zip(spec["outputs"], expected):
            val = got[out["name"]]
            if tuple(val.shape) != tuple(exp.shape):
                raise RuntimeError(f"{key}: output {out['name']} has shape {tuple(val.shape)}, torch {tuple(exp.shape)}")
            scale = max(1.0, float(exp.abs().max()))
            worst = max(worst, float((val - exp).abs().max()) / scale)
        if worst > 1e-4:
            raise RuntimeError(f"{key}.onnx differs from torch eager by {worst:.3g} (relative)")
        result[key] = worst
    return {"max_rel_diff": result, "input_batch": n, "input_size": [h, w], "rois": rois}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="export.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, help=f"one of {', '.join(A.ARCHS)}")
    ap.add_argument("--weights", required=True, help="none | DEFAULT | PATH (torchvision state dict or MaskStream checkpoint)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random init for --weights none (default 0)")
    ap.add_argument("--out", required=True, help="model directory to write")
    ap.add_argument("--classes", help="comma-separated class names without background, for a state dict "
                    "with its own number of classes (or to name the classes of a random model)")
    ap.add_argument("--frozen-bn-eps", type=float, help="FrozenBatchNorm eps of a PATH state dict (R50 v1 archs; "
                    "default 0.0 as torchvision sets for its COCO_V1 weights and models fine-tuned from them; "
                    "1e-5 for models trained from ImageNet backbone weights only)")
    ap.add_argument("--name", help="model name written into model.json (default: the arch)")
    ap.add_argument("--min-size", type=int, help="test-time resize: shorter side in pixels (torchvision's min_size; "
                    "default the architecture's or checkpoint's)")
    ap.add_argument("--max-size", type=int, help="test-time resize: cap on the longer side (torchvision's max_size)")
    ap.add_argument("--no-verify", action="store_true", help="skip the onnx.checker + torch-eager comparison")
    ap.add_argument("--plain-predictors", action="store_true", help="export the mask and keypoint predictors as "
                    "torchvision traces them (ConvTranspose, Resize) instead of the equivalent faster form")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    model, cfg, info = load_model(args.arch, args.weights, args.seed, classes, args.frozen_bn_eps)
    set_eval_size(model, cfg, args.min_size, args.max_size)
    manifest = export_model_dir(model, cfg, info, args.out, args.name, verify=not args.no_verify,
                                fast_predictors=not args.plain_predictors)
    files = ", ".join(g["file"] for g in manifest["graphs"].values())
    print(f"export: {args.arch} -> {args.out} ({files}, model.json, checkpoint.pt); "
          f"{manifest['parameters']['total']:,} parameters")
    if "verification" in manifest:
        print(f"export: graphs match torch eager, max relative difference "
              f"{max(manifest['verification']['max_rel_diff'].values()):.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli("export.py", main))
