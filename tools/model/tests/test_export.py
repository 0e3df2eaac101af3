import json
import hashlib
import os
import unittest

import onnx
import torch

import architectures as A
import export
import onnx_eval

from . import helpers

REQUIRED_KEYS = {
    "format", "format_version", "arch", "weights", "classes", "keypoints", "input", "resize", "features",
    "anchors", "rpn", "box_head", "mask_head", "keypoint_head", "level_mapper", "frozen_bn_eps", "graphs",
    "parameters", "architecture",
}


class TinyExportRoundTripTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out, cls.model, cls.manifest = helpers.tiny_export()

    def test_writes_every_graph_model_json_and_checkpoint(self):
        names = sorted(os.listdir(self.out))
        self.assertEqual(names, ["backbone_rpn.onnx", "box_head.onnx", "checkpoint.pt", "keypoint_head.onnx", "mask_head.onnx", "model.json"])

    def test_graphs_pass_checker_with_opset_16_or_more_and_dynamic_axes(self):
        for key, spec in self.manifest["graphs"].items():
            with self.subTest(key):
                m = onnx.load(os.path.join(self.out, spec["file"]))
                onnx.checker.check_model(m)
                self.assertGreaterEqual(max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), 16)
                dims = m.graph.input[0].type.tensor_type.shape.dim
                self.assertTrue(dims[0].dim_param, "batch axis must be dynamic")
                if key == "backbone_rpn":
                    self.assertTrue(dims[2].dim_param and dims[3].dim_param, "image size must be dynamic")
                self.assertEqual([i.name for i in m.graph.input], [i["name"] for i in spec["inputs"]])
                self.assertEqual([o.name for o in m.graph.output], [o["name"] for o in spec["outputs"]])

    def test_model_json_is_complete(self):
        with open(os.path.join(self.out, "model.json")) as f:
            mj = json.load(f)
        self.assertLessEqual(REQUIRED_KEYS, set(mj))
        self.assertEqual(mj["classes"], ["__background__", "person", "car", "dog"])
        self.assertEqual(mj["resize"], {"min_size": 480, "max_size": 640, "mode": "bilinear", "align_corners": False, "antialias": False})
        self.assertEqual(mj["input"]["color_order"], "RGB")
        self.assertEqual(mj["input"]["size_divisible"], 32)
        self.assertEqual([lv["stride"] for lv in mj["features"]["levels"]], [8, 16, 32, 64])
        self.assertEqual([lv["roi_pool"] for lv in mj["features"]["levels"]], [True, True, True, False])
        self.assertEqual(mj["anchors"]["num_anchors_per_location"], 6)
        self.assertEqual(mj["rpn"]["box_coder_weights"], [1.0, 1.0, 1.0, 1.0])
        self.assertEqual(mj["box_head"]["box_coder_weights"], [10.0, 10.0, 5.0, 5.0])
        self.assertAlmostEqual(mj["box_head"]["bbox_xform_clip"], 4.135166556742356)
        self.assertEqual(mj["box_head"]["roi_align"], {"output_size": [7, 7], "sampling_ratio": 2, "aligned": False, "featmap_names": ["0", "1", "2"]})
        self.assertEqual(mj["level_mapper"], {"canonical_scale": 224, "canonical_level": 4, "k_min": 3, "k_max": 5, "eps": 1e-6})
        self.assertEqual(len(mj["keypoints"]["names"]), 17)
        self.assertEqual(mj["keypoints"]["class_id"], 1)
        self.assertEqual(mj["graphs"]["keypoint_head"]["outputs"][0]["shape"], ["R", 17, 56, 56])
        self.assertEqual(mj["graphs"]["mask_head"]["outputs"][0]["shape"], ["R", 4, 28, 28])

    def test_graphs_match_torch_eager_at_camera_size(self):
        # export.py verified at 2x192x256; here batch 1 at the model's own 480x640
        x = torch.rand(1, 3, 480, 640) * 4 - 2
        with torch.no_grad():
            expected = export.BackboneRPN(self.model)(x)
        got = onnx_eval.run(onnx.load(os.path.join(self.out, "backbone_rpn.onnx")), {"image": x})
        outs = self.manifest["graphs"]["backbone_rpn"]["outputs"]
        self.assertEqual(len(outs), 12)
        for spec, e in zip(outs, expected):
            # BatchNorm is folded into the convs of the graph: differences are float rounding,
            # measured relative to the tensor's largest magnitude
            scale = max(1.0, float(e.abs().max()))
            self.assertLess(float((got[spec["name"]] - e).abs().max()) / scale, 2e-5, spec["name"])
        self.assertLess(max(self.manifest["verification"]["max_rel_diff"].values()), 1e-4)

    def test_rebuild_from_model_json_gives_the_same_detections(self):
        import reference

        rebuilt, _ = reference.load_model_dir(self.out)
        img = A._calibration_image(240, 320, torch.Generator().manual_seed(3))
        with torch.no_grad():
            a = self.model([img])[0]
            b = rebuilt([img])[0]
        self.assertGreater(len(a["boxes"]), 0)
        torch.testing.assert_close(a["boxes"], b["boxes"])
        torch.testing.assert_close(a["keypoints"], b["keypoints"])

    def test_same_seed_same_weights_other_seed_other_weights(self):
        m1, _, _ = export.load_model("tiny", "none", 0)
        m2, _, _ = export.load_model("tiny", "none", 1)
        sd0 = self.model.state_dict()
        for k, v in m1.state_dict().items():
            self.assertTrue(torch.equal(v, sd0[k]), k)
        self.assertFalse(torch.equal(m2.state_dict()["rpn.head.conv.0.0.weight"], sd0["rpn.head.conv.0.0.weight"]))

    def test_checkpoint_path_round_trip(self):
        ck = os.path.join(self.out, "checkpoint.pt")
        model, cfg, info = export.load_model("tiny", ck)
        self.assertEqual(info["source"], "path")
        # Provenance that means something on another machine: the file's name and digest, not where it lay here.
        self.assertEqual(info["file"], "checkpoint.pt")
        with open(ck, "rb") as f:
            self.assertEqual(info["sha256"], hashlib.sha256(f.read()).hexdigest())
        self.assertNotIn("path", info)
        for k, v in model.state_dict().items():
            self.assertTrue(torch.equal(v, self.model.state_dict()[k]), k)


class EvalSizeOverrideTests(unittest.TestCase):
    """--min-size / --max-size: the test-time resize rule of an exported model (the shipped model runs at 544)."""

    def test_flags_set_the_rule_in_model_json_and_in_the_rebuilt_torchvision_model(self):
        import reference

        out = os.path.join(helpers.tmp_root(), "tiny_544")
        r = helpers.run_tool("export.py", "--arch", "tiny", "--weights", "none", "--out", out, "--no-verify",
                             "--min-size", "544", "--max-size", "726")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "model.json")) as f:
            mj = json.load(f)
        self.assertEqual((mj["resize"]["min_size"], mj["resize"]["max_size"]), (544, 726))
        self.assertEqual((mj["architecture"]["detector"]["min_size"], mj["architecture"]["detector"]["max_size"]), (544, 726))
        rebuilt, _ = reference.load_model_dir(out)
        images, _ = rebuilt.transform([torch.rand(3, 480, 640)])
        # 544 / 480 scales 640 to 725.3; a max size of 725 would cap the scale and give 543 rows
        self.assertEqual(images.image_sizes, [(544, 725)])
        self.assertEqual(tuple(images.tensors.shape), (1, 3, 544, 736))
        # the weights do not depend on the rule (BatchNorm calibration in another process differs by ulps)
        _, model, _ = helpers.tiny_export()
        for k, v in rebuilt.state_dict().items():
            torch.testing.assert_close(v, model.state_dict()[k], rtol=1e-4, atol=1e-6, msg=k)

    def test_sizes_out_of_range_fail_with_one_message(self):
        out = os.path.join(helpers.tmp_root(), "tiny_bad_size")
        for args, expected in ((("--min-size", "0"), "--min-size 0: must be a positive number of pixels"),
                               (("--max-size", "-5"), "--max-size -5: must be a positive number of pixels"),
                               (("--min-size", "900"), "--min-size 900 is above --max-size 640")):
            with self.subTest(args):
                r = helpers.run_tool("export.py", "--arch", "tiny", "--weights", "none", "--out", out, "--no-verify", *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(expected, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(out))


class TorchvisionStateDictTests(unittest.TestCase):
    def test_plain_torchvision_state_dict_loads_into_our_keypoint_arch(self):
        import tempfile

        import torchvision.models.detection as D

        sd = D.keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "kp.pth")
            torch.save(sd, p)
            model, cfg, info = export.load_model("keypointrcnn_resnet50_fpn", p)
        self.assertEqual(cfg["classes"], ["__background__", "person"])
        self.assertTrue(torch.equal(model.state_dict()["backbone.body.layer1.0.bn1.running_var"], sd["backbone.body.layer1.0.bn1.running_var"]))

    def test_default_weights_that_cannot_be_fetched_fail_with_the_cache_path(self):
        import urllib.error
        from unittest import mock

        import torchvision.models.detection as D

        with mock.patch.object(type(D.MaskRCNN_ResNet50_FPN_Weights.COCO_V1), "get_state_dict",
                               side_effect=urllib.error.URLError("no network")):
            with self.assertRaises(export.UserError) as ctx:
                export.load_model("maskrcnn_resnet50_fpn", "DEFAULT")
        msg = str(ctx.exception)
        self.assertIn("MaskRCNN_ResNet50_FPN_Weights.DEFAULT", msg)
        self.assertIn("maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth", msg)
        self.assertIn("no network", msg)

    def test_default_weights_fail_clearly_for_combined_arch(self):
        with self.assertRaises(export.UserError) as ctx:
            export.load_model("maskrcnn_keypoint_resnet50_fpn", "DEFAULT")
        self.assertIn("no COCO weights", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
