import unittest

import torch
import torchvision.models.detection as D
from torchvision.ops.misc import FrozenBatchNorm2d

import architectures as A


class BuildModelTests(unittest.TestCase):
    def test_parameter_counts_of_torchvision_archs(self):
        # torchvision's documented sizes for the same architectures
        expected = {
            "maskrcnn_resnet50_fpn": 44_401_393,
            "maskrcnn_resnet50_fpn_v2": 46_359_409,
            "keypointrcnn_resnet50_fpn": 59_137_258,
        }
        for arch, n in expected.items():
            with self.subTest(arch):
                self.assertEqual(A.count_parameters(A.build_model(A.default_config(arch))), n)

    def test_state_dict_keys_match_torchvision_builders(self):
        builders = {
            "maskrcnn_resnet50_fpn": D.maskrcnn_resnet50_fpn,
            "maskrcnn_resnet50_fpn_v2": D.maskrcnn_resnet50_fpn_v2,
            "keypointrcnn_resnet50_fpn": D.keypointrcnn_resnet50_fpn,
        }
        for arch, builder in builders.items():
            with self.subTest(arch):
                ours = A.build_model(A.default_config(arch)).state_dict()
                theirs = builder(weights=None, weights_backbone=None).state_dict()
                strip = lambda keys: {k for k in keys if not k.endswith("num_batches_tracked")}  # noqa: E731
                self.assertEqual(strip(ours), strip(theirs))
                for k in strip(ours):
                    self.assertEqual(ours[k].shape, theirs[k].shape, k)

    def test_combined_arch_has_mask_and_keypoint_branches(self):
        m = A.build_model(A.default_config("maskrcnn_keypoint_resnet50_fpn"))
        self.assertTrue(m.roi_heads.has_mask())
        self.assertTrue(m.roi_heads.has_keypoint())
        self.assertEqual(m.roi_heads.box_predictor.cls_score.out_features, 91)
        self.assertEqual(m.roi_heads.keypoint_predictor.kps_score_lowres.out_channels, 17)
        self.assertEqual(m.roi_heads.keypoint_label, 1)

    def test_frozen_bn_eps_comes_from_config(self):
        cfg = A.default_config("maskrcnn_resnet50_fpn")
        self.assertEqual(cfg["frozen_bn_eps"], 0.0)
        cfg["frozen_bn_eps"] = 1e-5
        m = A.build_model(cfg)
        eps = {mod.eps for mod in m.modules() if isinstance(mod, FrozenBatchNorm2d)}
        self.assertEqual(eps, {1e-5})

    def test_unknown_arch_names_the_known_ones(self):
        with self.assertRaises(A.ConfigError) as ctx:
            A.default_config("resnet9000")
        self.assertIn("unknown architecture 'resnet9000'", str(ctx.exception))
        self.assertIn("maskrcnn_resnet50_fpn_v2", str(ctx.exception))


class TinyModelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = A.build_model(A.default_config("tiny"))

    def test_parameter_budget(self):
        p = A.parameter_summary(self.model)
        self.assertLess(p["backbone"], 350_000)
        self.assertLess(p["total"], 2_000_000)

    def test_640x480_frame_is_not_resized_and_levels_are_strides_8_16_32_64(self):
        images, _ = self.model.transform([torch.rand(3, 480, 640)])
        self.assertEqual(images.image_sizes, [(480, 640)])
        self.assertEqual(tuple(images.tensors.shape), (1, 3, 480, 640))
        with torch.no_grad():
            feats = self.model.backbone(images.tensors)
        self.assertEqual(list(feats), ["0", "1", "2", "pool"])
        self.assertEqual([tuple(f.shape[-2:]) for f in feats.values()], [(60, 80), (30, 40), (15, 20), (8, 10)])

    def test_forward_returns_masks_and_keypoints(self):
        with torch.no_grad():
            r = self.model([torch.rand(3, 240, 320)])[0]
        self.assertIn("masks", r)
        self.assertIn("keypoints", r)

    def test_keypoint_loss_uses_person_proposals_only(self):
        model = A.build_model(A.default_config("tiny")).train()
        seen = []
        hook = model.roi_heads.keypoint_roi_pool.register_forward_hook(lambda m, i, o: seen.append(sum(len(b) for b in i[1])))
        img = torch.rand(3, 256, 320)
        masks = torch.zeros(2, 256, 320, dtype=torch.uint8)
        masks[0, 20:120, 20:80] = 1
        masks[1, 100:200, 150:300] = 1
        target = {
            "boxes": torch.tensor([[20.0, 20, 80, 120], [150, 100, 300, 200]]),
            "labels": torch.tensor([1, 2]),  # person, car
            "masks": masks,
            "keypoints": torch.zeros(2, 17, 3),
        }
        target["keypoints"][0, :, :2] = torch.tensor([50.0, 70.0])
        target["keypoints"][0, :, 2] = 2
        torch.manual_seed(0)
        losses = model([img], [target])
        hook.remove()
        self.assertEqual(set(losses), {"loss_classifier", "loss_box_reg", "loss_mask", "loss_keypoint", "loss_objectness", "loss_rpn_box_reg"})
        # the sampled proposals matched to the car are positives for box/mask but not for keypoints
        labels_pos = seen[0]
        self.assertGreater(labels_pos, 0)
        model.roi_heads.keypoint_label = None  # torchvision's behaviour: every positive
        seen.clear()
        hook = model.roi_heads.keypoint_roi_pool.register_forward_hook(lambda m, i, o: seen.append(sum(len(b) for b in i[1])))
        torch.manual_seed(0)
        model([img], [target])
        hook.remove()
        self.assertGreater(seen[0], labels_pos)

    def test_mask_and_keypoint_training_rois_are_capped_per_image(self):
        self.assertEqual(A.default_config("tiny")["train_head_rois_per_image"], {"mask": 32, "keypoint": 32})

        def rois_seen(cap):
            cfg = A.default_config("tiny")
            cfg["train_head_rois_per_image"] = {"mask": cap, "keypoint": cap}
            torch.manual_seed(0)
            model = A.build_model(cfg).train()
            model.transform.min_size, model.transform.max_size = (256,), 320  # no resize: proposals in image pixels
            seen = {}
            for name in ("mask", "keypoint"):
                def record(m, i, o, name=name):
                    seen.setdefault(name, [len(b) for b in i[1]])  # first call only; returns None

                getattr(model.roi_heads, f"{name}_roi_pool").register_forward_hook(record)
            masks = torch.zeros(1, 256, 320, dtype=torch.uint8)
            masks[0, 20:200, 20:120] = 1
            kps = torch.zeros(1, 17, 3)
            kps[0, :, :2] = torch.tensor([60.0, 100.0])
            kps[0, :, 2] = 2
            target = {"boxes": torch.tensor([[20.0, 20, 120, 200]]), "labels": torch.tensor([1]), "masks": masks, "keypoints": kps}
            # an RPN that proposes 20 jittered copies of the object: 21 positives per image with the GT
            g = torch.Generator().manual_seed(1)
            jitter = target["boxes"] + torch.randn(20, 4, generator=g) * 3
            model.rpn.forward = lambda images, features, targets=None: ([jitter.clone() for _ in range(2)], {})
            model([torch.rand(3, 256, 320, generator=g) for _ in range(2)], [target, target])
            return seen

        free = rois_seen(None)
        self.assertEqual(free, {"mask": [21, 21], "keypoint": [21, 21]})
        self.assertEqual(rois_seen(5), {"mask": [5, 5], "keypoint": [5, 5]})

    def test_random_init_is_deterministic_and_not_degenerate(self):
        a = A.init_random_weights(A.build_model(A.default_config("tiny")), seed=7)
        b = A.init_random_weights(A.build_model(A.default_config("tiny")), seed=7)
        for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
            self.assertTrue(torch.equal(va, vb), k)
        img = A._calibration_image(480, 640, torch.Generator().manual_seed(11))
        with torch.no_grad():
            r = a([img])[0]
        self.assertGreater(len(r["boxes"]), 10)
        wh = r["boxes"][:, 2:] - r["boxes"][:, :2]
        self.assertGreater(float(wh.median()), 4.0)  # not collapsed to slivers
        self.assertGreater(len(set(r["scores"].tolist())), len(r["scores"]) // 2)  # few exact ties


if __name__ == "__main__":
    unittest.main()
