"""Mask R-CNN architectures for MaskStream, built from one config dict.

`default_config(arch)` returns the complete config of an architecture; `build_model(config)` builds
the torchvision model it describes. The config is written into model.json (`architecture`), so
`build_model(json.load(open("model.json"))["architecture"])` rebuilds the exported model exactly.

Archs:
  tiny                            our MobileNetV1-style backbone + FPN 64 on strides 8/16/32 (+ pool),
                                  box, mask and keypoint heads in one RoIHeads (made for 640x480 on CPU)
  maskrcnn_resnet50_fpn           torchvision's, FrozenBatchNorm (as its COCO weights are built)
  maskrcnn_resnet50_fpn_v2        torchvision's (BatchNorm, conv box head, 2-conv RPN head)
  keypointrcnn_resnet50_fpn       torchvision's (classes: background, person; 17 keypoints)
  maskrcnn_keypoint_resnet50_fpn  R50-FPN v1 with both the mask and the keypoint branch (91 classes,
                                  keypoints on `person`); torchvision has no COCO weights for it
"""
import copy
import math
from collections import OrderedDict

import torch
from torch import nn
from torchvision.models import resnet50
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.models.detection.faster_rcnn import FastRCNNConvFCHead, FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNN, MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.roi_heads import (
    RoIHeads,
    fastrcnn_loss,
    keypointrcnn_loss,
    maskrcnn_loss,
)
from torchvision.models.detection.rpn import RPNHead
from torchvision.ops import FeaturePyramidNetwork, MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
from torchvision.ops.misc import FrozenBatchNorm2d

ARCHS = (
    "tiny",
    "maskrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn_v2",
    "keypointrcnn_resnet50_fpn",
    "maskrcnn_keypoint_resnet50_fpn",
)

COCO_KEYPOINT_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
# COCO person skeleton, 1-based keypoint indices as in COCO's annotations.
COCO_SKELETON = [
    [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9],
    [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
]
# The shipped model's classes when no dataset says otherwise (training takes them from the dataset's
# categories): those of the synthetic world, src/Ingest/Synthetic/SyntheticClasses.cs.
TINY_DEFAULT_CLASSES = ["__background__", "person", "car", "dog"]

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class ConfigError(ValueError):
    """A config or checkpoint that does not describe a buildable model (message is user-facing)."""


def coco_categories():
    from torchvision.models.detection.mask_rcnn import MaskRCNN_ResNet50_FPN_Weights

    return list(MaskRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"])


def _torchvision_detector_defaults():
    """torchvision's MaskRCNN/FasterRCNN constructor defaults (0.14), spelled out so model.json has them."""
    return {
        "min_size": 800,
        "max_size": 1333,
        "image_mean": IMAGENET_MEAN,
        "image_std": IMAGENET_STD,
        "rpn_pre_nms_top_n_train": 2000,
        "rpn_pre_nms_top_n_test": 1000,
        "rpn_post_nms_top_n_train": 2000,
        "rpn_post_nms_top_n_test": 1000,
        "rpn_nms_thresh": 0.7,
        "rpn_fg_iou_thresh": 0.7,
        "rpn_bg_iou_thresh": 0.3,
        "rpn_batch_size_per_image": 256,
        "rpn_positive_fraction": 0.5,
        "rpn_score_thresh": 0.0,
        "box_score_thresh": 0.05,
        "box_nms_thresh": 0.5,
        "box_detections_per_img": 100,
        "box_fg_iou_thresh": 0.5,
        "box_bg_iou_thresh": 0.5,
        "box_batch_size_per_image": 512,
        "box_positive_fraction": 0.25,
        "bbox_reg_weights": None,
    }


def default_config(arch, classes=None, keypoint_names=None, skeleton=None):
    """The full config of `arch`. `classes` includes "__background__" at index 0."""
    if arch not in ARCHS:
        raise ConfigError(f"unknown architecture '{arch}'; known: {', '.join(ARCHS)}")
    det = _torchvision_detector_defaults()
    cfg = {
        "arch": arch,
        "classes": None,
        "mask": True,
        "keypoints": False,
        "keypoint_names": None,
        "keypoint_skeleton": None,
        "keypoint_class": None,
        "norm": "frozen_bn",
        "frozen_bn_eps": 0.0,
        "anchor_sizes": [[32], [64], [128], [256], [512]],
        "aspect_ratios": [0.5, 1.0, 2.0],
        "detector": det,
    }
    if arch == "tiny":
        cfg.update(
            classes=list(classes or TINY_DEFAULT_CLASSES),
            keypoints=True,
            keypoint_names=list(keypoint_names or COCO_KEYPOINT_NAMES),
            keypoint_skeleton=[list(p) for p in (skeleton or COCO_SKELETON)],
            keypoint_class="person",
            norm="batch_norm",
            frozen_bn_eps=None,
            # training only: positives per image that train the mask / keypoint heads (see
            # MaskStreamRoIHeads); the R50 archs keep torchvision's "all".
            train_head_rois_per_image={"mask": 32, "keypoint": 32},
            # Two sizes an octave apart per level, so 16..256 px (x sqrt(2) for the 0.5/2.0 ratios)
            # is covered by three levels + pool on a 640x480 frame; A = 6 per location.
            anchor_sizes=[[16, 32], [32, 64], [64, 128], [128, 256]],
            tiny={
                # (out_channels, stride, repeats) of depthwise-separable blocks after a 3x3 s2 stem;
                # stages 2..4 end at strides 8, 16, 32 and feed the FPN.
                "stem_channels": 16,
                "stages": [[32, 2, 1], [64, 2, 2], [128, 2, 4], [256, 2, 3]],
                "fpn_channels": 64,
                "box_representation_size": 256,
                "mask_layers": [64, 64, 64, 64],
                "keypoint_layers": [64, 64, 64, 64],
            },
        )
        det.update(
            # A 640x480 camera frame goes in at its own size (scale exactly 1; checked in tests).
            min_size=480,
            max_size=640,
            # 300 proposals instead of 1000 at test time: the box head costs R x 0.87 MMAC and
            # scenes hold few objects; training keeps torchvision's 2000.
            rpn_post_nms_top_n_test=300,
            # Few objects per synthetic image: 256 sampled RoIs per image instead of 512 halves
            # the box-head training cost without starving positives (25% of 256 = 64).
            box_batch_size_per_image=256,
        )
    elif arch in ("maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2", "maskrcnn_keypoint_resnet50_fpn"):
        cfg["classes"] = list(classes or coco_categories())
        if arch == "maskrcnn_resnet50_fpn_v2":
            cfg.update(norm="batch_norm", frozen_bn_eps=None)
        if arch == "maskrcnn_keypoint_resnet50_fpn":
            cfg.update(
                keypoints=True,
                keypoint_names=list(keypoint_names or COCO_KEYPOINT_NAMES),
                keypoint_skeleton=[list(p) for p in (skeleton or COCO_SKELETON)],
                keypoint_class="person",
            )
    elif arch == "keypointrcnn_resnet50_fpn":
        cfg.update(
            classes=list(classes or ["__background__", "person"]),
            mask=False,
            keypoints=True,
            keypoint_names=list(keypoint_names or COCO_KEYPOINT_NAMES),
            keypoint_skeleton=[list(p) for p in (skeleton or COCO_SKELETON)],
            keypoint_class="person",
        )
        # KeypointRCNN trains at a random min size from this tuple; eval uses the last (800).
        det["min_size"] = [640, 672, 704, 736, 768, 800]
    return cfg


def eval_min_size(cfg):
    m = cfg["detector"]["min_size"]
    return int(m[-1]) if isinstance(m, (list, tuple)) else int(m)


# --------------------------------------------------------------------------------------------------
# tiny backbone


def _conv_bn_relu(cin, cout, k, stride, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class DepthwiseSeparable(nn.Sequential):
    """MobileNetV1 block: 3x3 depthwise (stride s) + BN + ReLU, 1x1 pointwise + BN + ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__(_conv_bn_relu(cin, cin, 3, stride, groups=cin), _conv_bn_relu(cin, cout, 1, 1))


class TinyBody(nn.Module):
    """Stem (3x3 s2) + stages of depthwise-separable blocks. Returns the last 3 stages as '0','1','2'
    (strides 8, 16, 32 with the default config)."""

    def __init__(self, stem_channels, stages):
        super().__init__()
        self.stem = _conv_bn_relu(3, stem_channels, 3, 2)
        cin = stem_channels
        layers = []
        for cout, stride, repeats in stages:
            blocks = [DepthwiseSeparable(cin, cout, stride)]
            blocks += [DepthwiseSeparable(cout, cout, 1) for _ in range(repeats - 1)]
            layers.append(nn.Sequential(*blocks))
            cin = cout
        self.stages = nn.ModuleList(layers)
        self.returned = list(range(len(stages) - 3, len(stages)))
        self.out_channels_list = [stages[i][0] for i in self.returned]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.stem(x)
        out = OrderedDict()
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.returned:
                out[str(len(out))] = x
        return out


class TinyBackboneWithFPN(nn.Module):
    def __init__(self, tiny_cfg):
        super().__init__()
        self.body = TinyBody(tiny_cfg["stem_channels"], tiny_cfg["stages"])
        self.fpn = FeaturePyramidNetwork(
            self.body.out_channels_list, tiny_cfg["fpn_channels"], extra_blocks=LastLevelMaxPool()
        )
        self.out_channels = tiny_cfg["fpn_channels"]

    def forward(self, x):
        return self.fpn(self.body(x))


# --------------------------------------------------------------------------------------------------
# RoIHeads that trains the keypoint branch on proposals of the keypoint class only


class MaskStreamRoIHeads(RoIHeads):
    """torchvision's RoIHeads; in training, the keypoint branch sees only positives matched to the
    keypoint class (persons). torchvision runs it on every positive, which made CPU steps ~2.5x
    slower (DESIGN.md) and trains it on targets that have no keypoints. Inference is torchvision's
    own code path, unchanged (keypoints are computed for every detection, as torchvision does)."""

    keypoint_label = None  # int label of the keypoint class, or None = every positive
    # At most this many positives per image train the mask / keypoint heads (a random subset;
    # None = all, torchvision's behaviour). Positives are many overlapping proposals of a few
    # objects, and these heads cost ~32 MMAC per RoI: all 64 positives x 4 images made the heads
    # ~85% of a CPU training step.
    mask_rois_per_image = None
    keypoint_rois_per_image = None

    def forward(self, features, proposals, image_shapes, targets=None):
        if not self.training:
            return super().forward(features, proposals, image_shapes, targets)

        proposals, matched_idxs, labels, regression_targets = self.select_training_samples(proposals, targets)
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_shapes))
        class_logits, box_regression = self.box_predictor(box_features)
        loss_classifier, loss_box_reg = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
        losses = {"loss_classifier": loss_classifier, "loss_box_reg": loss_box_reg}

        def positives(select, limit=None):
            props, idxs = [], []
            for img_id in range(len(proposals)):
                pos = torch.where(select(labels[img_id]))[0]
                if limit is not None and len(pos) > limit:
                    pos = pos[torch.randperm(len(pos))[:limit]]
                props.append(proposals[img_id][pos])
                idxs.append(matched_idxs[img_id][pos])
            return props, idxs

        if self.has_mask():
            mask_props, mask_idxs = positives(lambda lab: lab > 0, self.mask_rois_per_image)
            mask_logits = self.mask_predictor(self.mask_head(self.mask_roi_pool(features, mask_props, image_shapes)))
            losses["loss_mask"] = maskrcnn_loss(
                mask_logits, mask_props, [t["masks"] for t in targets], [t["labels"] for t in targets], mask_idxs
            )

        if self.has_keypoint():
            limit = self.keypoint_rois_per_image
            if self.keypoint_label is None:
                kp_props, kp_idxs = positives(lambda lab: lab > 0, limit)
            else:
                kp_props, kp_idxs = positives(lambda lab: lab == self.keypoint_label, limit)
            if sum(len(p) for p in kp_props) == 0:
                # No person positive in this batch: a zero loss that still touches the branch.
                losses["loss_keypoint"] = sum(p.sum() for p in self.keypoint_predictor.parameters()) * 0.0
            else:
                kp_logits = self.keypoint_predictor(
                    self.keypoint_head(self.keypoint_roi_pool(features, kp_props, image_shapes))
                )
                losses["loss_keypoint"] = keypointrcnn_loss(
                    kp_logits, kp_props, [t["keypoints"] for t in targets], kp_idxs
                )
        return [], losses


def _swap_roi_heads(model, keypoint_label, train_rois):
    old = model.roi_heads
    new = MaskStreamRoIHeads.__new__(MaskStreamRoIHeads)
    new.__dict__ = old.__dict__  # same submodules, parameters and settings: state dict keys unchanged
    new.keypoint_label = keypoint_label
    new.mask_rois_per_image = train_rois.get("mask")
    new.keypoint_rois_per_image = train_rois.get("keypoint")
    model.roi_heads = new
    return model


# --------------------------------------------------------------------------------------------------


def _anchor_generator(cfg):
    sizes = tuple(tuple(int(s) for s in level) for level in cfg["anchor_sizes"])
    ratios = (tuple(float(r) for r in cfg["aspect_ratios"]),) * len(sizes)
    return AnchorGenerator(sizes, ratios)


def _detector_kwargs(cfg):
    det = dict(cfg["detector"])
    if isinstance(det["min_size"], list):
        det["min_size"] = tuple(det["min_size"])
    if det.get("bbox_reg_weights") is not None:
        det["bbox_reg_weights"] = tuple(det["bbox_reg_weights"])
    return det


def validate_config(cfg):
    if not isinstance(cfg, dict) or cfg.get("arch") not in ARCHS:
        arch = cfg.get("arch") if isinstance(cfg, dict) else None
        raise ConfigError(f"unknown architecture '{arch}'; known: {', '.join(ARCHS)}")
    classes = cfg.get("classes")
    if not classes or len(classes) < 2:
        raise ConfigError("config 'classes' must list background and at least one class")
    if cfg.get("keypoints"):
        if not cfg.get("keypoint_names"):
            raise ConfigError("config has keypoints but no 'keypoint_names'")
        if cfg.get("keypoint_class") not in classes:
            raise ConfigError(f"keypoint_class '{cfg.get('keypoint_class')}' is not one of the classes")
    if len(cfg["anchor_sizes"]) < 1 or len({len(s) for s in cfg["anchor_sizes"]}) != 1:
        raise ConfigError("anchor_sizes must give the same number of sizes for every level")


def build_model(config):
    """Build the torchvision detector described by `config` (see default_config). Returns it in eval mode."""
    cfg = copy.deepcopy(config)
    validate_config(cfg)
    arch = cfg["arch"]
    num_classes = len(cfg["classes"])
    num_keypoints = len(cfg["keypoint_names"]) if cfg.get("keypoints") else None
    det = _detector_kwargs(cfg)
    anchors = _anchor_generator(cfg)
    num_anchors = anchors.num_anchors_per_location()[0]

    if arch == "tiny":
        t = cfg["tiny"]
        backbone = TinyBackboneWithFPN(t)
        c = backbone.out_channels
        names = [str(i) for i in range(len(backbone.body.out_channels_list))]
        model = MaskRCNN(
            backbone,
            num_classes=num_classes,
            rpn_anchor_generator=anchors,
            rpn_head=RPNHead(c, num_anchors),
            box_roi_pool=MultiScaleRoIAlign(names, 7, 2),
            box_head=TwoMLPHead(c * 7 * 7, t["box_representation_size"]),
            mask_roi_pool=MultiScaleRoIAlign(names, 14, 2),
            mask_head=MaskRCNNHeads(c, t["mask_layers"], 1),
            **det,
        )
        # MaskRCNN sizes both predictors for R50 heads (1024 / 256 channels): size them to ours.
        model.roi_heads.box_predictor = FastRCNNPredictor(t["box_representation_size"], num_classes)
        model.roi_heads.mask_predictor = MaskRCNNPredictor(t["mask_layers"][-1], t["mask_layers"][-1], num_classes)
        if cfg.get("keypoints"):
            model.roi_heads.keypoint_roi_pool = MultiScaleRoIAlign(names, 14, 2)
            model.roi_heads.keypoint_head = KeypointRCNNHeads(c, t["keypoint_layers"])
            model.roi_heads.keypoint_predictor = KeypointRCNNPredictor(t["keypoint_layers"][-1], num_keypoints)
        if not cfg.get("mask"):
            model.roi_heads.mask_roi_pool = model.roi_heads.mask_head = model.roi_heads.mask_predictor = None
    else:
        v2 = arch == "maskrcnn_resnet50_fpn_v2"
        if v2:
            backbone = resnet50(weights=None, norm_layer=nn.BatchNorm2d)
            backbone = _resnet_fpn_extractor(backbone, 3, norm_layer=nn.BatchNorm2d)
            extra = dict(
                rpn_head=RPNHead(backbone.out_channels, num_anchors, conv_depth=2),
                box_head=FastRCNNConvFCHead(
                    (backbone.out_channels, 7, 7), [256, 256, 256, 256], [1024], norm_layer=nn.BatchNorm2d
                ),
                mask_head=MaskRCNNHeads(backbone.out_channels, [256, 256, 256, 256], 1, norm_layer=nn.BatchNorm2d),
            )
        else:
            # FrozenBatchNorm2d is what torchvision builds whenever weights are loaded; its eps
            # is set below (0.0 for the COCO_V1 weights, see model.json `frozen_bn_eps`).
            backbone = resnet50(weights=None, norm_layer=FrozenBatchNorm2d)
            backbone = _resnet_fpn_extractor(backbone, 3)
            extra = {}
        model = MaskRCNN(backbone, num_classes=num_classes, rpn_anchor_generator=anchors, **extra, **det)
        if not cfg.get("mask"):
            model.roi_heads.mask_roi_pool = model.roi_heads.mask_head = model.roi_heads.mask_predictor = None
        if cfg.get("keypoints"):
            names = ["0", "1", "2", "3"]
            model.roi_heads.keypoint_roi_pool = MultiScaleRoIAlign(names, 14, 2)
            model.roi_heads.keypoint_head = KeypointRCNNHeads(backbone.out_channels, tuple(512 for _ in range(8)))
            model.roi_heads.keypoint_predictor = KeypointRCNNPredictor(512, num_keypoints)

    if cfg.get("norm") == "frozen_bn" and cfg.get("frozen_bn_eps") is not None:
        for m in model.modules():
            if isinstance(m, FrozenBatchNorm2d):
                m.eps = float(cfg["frozen_bn_eps"])
    kp_label = cfg["classes"].index(cfg["keypoint_class"]) if cfg.get("keypoints") else None
    _swap_roi_heads(model, kp_label, cfg.get("train_head_rois_per_image") or {})
    model.maskstream_config = cfg
    return model.eval()


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


def parameter_summary(model):
    rh = model.roi_heads
    parts = {
        "backbone": model.backbone.body if hasattr(model.backbone, "body") else model.backbone,
        "fpn": getattr(model.backbone, "fpn", None),
        "rpn_head": model.rpn.head,
        "box_head": nn.ModuleList([rh.box_head, rh.box_predictor]),
        "mask_head": nn.ModuleList([rh.mask_head, rh.mask_predictor]) if rh.has_mask() else None,
        "keypoint_head": nn.ModuleList([rh.keypoint_head, rh.keypoint_predictor]) if rh.has_keypoint() else None,
    }
    out = {k: count_parameters(v) for k, v in parts.items() if v is not None}
    out["total"] = count_parameters(model)
    return out


# --------------------------------------------------------------------------------------------------
# random init that gives non-degenerate outputs (for `--weights none`)


@torch.no_grad()
def init_random_weights(model, seed, image_size=(480, 640)):
    """Random weights whose outputs look like a detector's: every (Frozen)BatchNorm gets the
    statistics its input actually has on a synthetic image (so 50 layers of random convs neither
    explode nor vanish), then the RPN objectness and the class logits are scaled to a spread of
    about 2 and the class logits centred with a spread of 1-2, so proposals are not near-ties, scores
    do not saturate and some detections pass box_score_thresh. Deterministic
    for a seed. The model is returned in eval mode."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for m in model.modules():  # fresh random weights everywhere (FrozenBN starts as identity)
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.normal_(m.bias, std=0.01)
        elif isinstance(m, nn.Linear):
            m.reset_parameters()
    model.eval()
    h, w = image_size
    image = _calibration_image(h, w, g)

    norms = [m for m in model.modules() if isinstance(m, (nn.BatchNorm2d, FrozenBatchNorm2d))]

    def set_stats(module, inputs):
        x = inputs[0]
        if x.numel() == 0:
            return
        dims = [0, 2, 3]
        module.running_mean.copy_(x.mean(dims))
        # floor: with FrozenBN eps 0.0 a dead channel would otherwise divide by zero
        module.running_var.copy_(x.var(dims, unbiased=False).clamp_min(1e-2))

    hooks = [m.register_forward_pre_hook(set_stats) for m in norms]
    try:
        model([image])
    finally:
        for hk in hooks:
            hk.remove()

    # RPN: objectness logits with std ~2, deltas with std ~0.1
    feats = list(model.backbone(model.transform([image])[0].tensors).values())
    logits, deltas = model.rpn.head(feats)
    _rescale(model.rpn.head.cls_logits, torch.cat([l.flatten() for l in logits]), 2.0)
    _rescale(model.rpn.head.bbox_pred, torch.cat([d.flatten() for d in deltas]), 0.1)

    # Box head: class logits with std ~2 (plus background bias -1) so several classes pass 0.05.
    rh = model.roi_heads
    images, _ = model.transform([image])
    features = model.backbone(images.tensors)
    proposals, _ = model.rpn(images, features)
    x = rh.box_head(rh.box_roi_pool(features, proposals, images.image_sizes))
    cls = rh.box_predictor.cls_score
    logits = cls(x)
    cls.bias.sub_(logits.mean(0))  # no class wins everywhere
    _rescale(cls, logits - logits.mean(0), 1.0 if logits.shape[1] <= 10 else 2.0)
    names = getattr(model, "maskstream_config", {}).get("classes") or []
    for i, name in enumerate(names):
        if name == "N/A":  # torchvision's unused COCO slots: a trained model never predicts them
            cls.bias[i] = -20.0
    _rescale(rh.box_predictor.bbox_pred, rh.box_predictor.bbox_pred(x).flatten(), 1.0)

    if rh.has_mask():  # mask logits centred per class (about half of each box set), spread 2
        detections = [b[:20] for b in proposals]
        pred = rh.mask_predictor
        ml = pred(rh.mask_head(rh.mask_roi_pool(features, detections, images.image_sizes)))
        pred.mask_fcn_logits.bias.sub_(ml.mean((0, 2, 3)))
        _rescale(pred.mask_fcn_logits, ml - ml.mean((0, 2, 3), keepdim=True), 2.0)
    return model.eval()


def _rescale(layer, outputs, target_std):
    std = float(outputs.std())
    if std > 0 and math.isfinite(std):
        layer.weight.mul_(target_std / std)
        if layer.bias is not None:
            layer.bias.mul_(target_std / std)


def _calibration_image(h, w, g):
    """A [3,H,W] image in [0,1]: smooth colour gradients with a few filled rectangles and discs."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    img = torch.stack([xx, yy, 0.5 * (xx + yy)]) * 0.6 + 0.2
    for _ in range(8):
        c = torch.rand(3, generator=g)
        x0, y0 = int(torch.randint(0, w - 20, (1,), generator=g)), int(torch.randint(0, h - 20, (1,), generator=g))
        bw, bh = int(torch.randint(10, w // 3, (1,), generator=g)), int(torch.randint(10, h // 3, (1,), generator=g))
        if torch.rand(1, generator=g) < 0.5:
            img[:, y0:y0 + bh, x0:x0 + bw] = c[:, None, None]
        else:
            inside = ((xx * w - x0 - bw / 2) / (bw / 2)) ** 2 + ((yy * h - y0 - bh / 2) / (bh / 2)) ** 2 <= 1
            img = torch.where(inside[None], c[:, None, None], img)
    img = img + 0.02 * torch.randn(3, h, w, generator=g)
    return img.clamp(0, 1)
