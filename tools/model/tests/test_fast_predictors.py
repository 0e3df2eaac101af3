"""The mask and keypoint predictors as export.py writes them (SubpixelMaskPredictor, MatMulKeypointPredictor)
equal torchvision's modules: in torch eager, and as exported ONNX graphs evaluated by onnx_eval, on random
inputs, for the tiny model's sizes and (keypoints) the R50 model's 512 channels."""
import io
import os
import unittest

import onnx
import torch
import torch.nn.functional as F
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNNPredictor

import export
import onnx_eval

from . import helpers

# float rounding: the rewritten graphs sum the same products in another order (relative to the output's magnitude)
TOL = 1e-5


def _rel(a, b):
    return float((a - b).abs().max()) / max(1.0, float(b.abs().max()))


def _randomize(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)  # non-zero biases too (torchvision zeroes some)
    return module.eval()


def _onnx(module, example, in_name="x", out_name="y"):
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, (example,), buf, input_names=[in_name], output_names=[out_name],
                          dynamic_axes={in_name: {0: "R"}, out_name: {0: "R"}}, opset_version=export.OPSET)
    m = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(m)
    return m


def _ops(m):
    return [n.op_type for n in m.graph.node]


class BilinearMatrixTests(unittest.TestCase):
    def test_matrices_give_torch_bilinear_x2(self):
        g = torch.Generator().manual_seed(0)
        for h, w in [(28, 28), (1, 3), (5, 8), (14, 28)]:
            x = torch.randn(3, 2, h, w, generator=g)
            want = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False, recompute_scale_factor=False)
            got = export.bilinear_x2_matrix(h) @ x @ export.bilinear_x2_matrix(w).t()
            self.assertLess(float((got - want).abs().max()), 1e-6, (h, w))


class PredictorEquivalenceTests(unittest.TestCase):
    KEYPOINT_CASES = {"tiny": (64, 17), "r50": (512, 17)}  # (C_in, K)

    def test_mask_predictor_eager_and_onnx(self):
        for c_in, c, k in [(64, 64, 4), (32, 16, 1), (8, 8, 3)]:
            with self.subTest((c_in, c, k)):
                tv = _randomize(MaskRCNNPredictor(c_in, c, k), 1)
                fast = export.SubpixelMaskPredictor.replace(tv)
                self.assertIsInstance(fast, export.SubpixelMaskPredictor)
                x = torch.randn(3, c_in, 14, 14, generator=torch.Generator().manual_seed(2))  # signs exercise the ReLU
                with torch.no_grad():
                    want = tv(x)
                    got = fast(x)
                self.assertEqual(got.shape, want.shape)
                self.assertLess(_rel(got, want), TOL)
                m = _onnx(fast, torch.rand(2, c_in, 14, 14))
                ops = _ops(m)
                self.assertNotIn("ConvTranspose", ops)
                self.assertIn("DepthToSpace", ops)
                self.assertLess(_rel(onnx_eval.run(m, {"x": x})["y"], want), TOL)

    def test_mask_predictor_with_many_classes_stays_as_torchvision_wrote_it(self):
        # R50 (91 classes): the rewrite measured no faster there (SubpixelMaskPredictor's docstring)
        tv = MaskRCNNPredictor(256, 256, 91)
        self.assertIs(export.SubpixelMaskPredictor.replace(tv), tv)

    def test_keypoint_predictor_eager_and_onnx(self):
        for name, (c_in, k) in self.KEYPOINT_CASES.items():
            with self.subTest(name):
                tv = _randomize(KeypointRCNNPredictor(c_in, k), 3)
                fast = export.MatMulKeypointPredictor.replace(tv, (14, 14))
                self.assertIsInstance(fast, export.MatMulKeypointPredictor)
                x = torch.randn(2, c_in, 14, 14, generator=torch.Generator().manual_seed(4)).relu()
                with torch.no_grad():
                    want = tv(x)
                    got = fast(x)
                self.assertEqual(tuple(got.shape), (2, k, 56, 56))
                self.assertLess(_rel(got, want), TOL)
                m = _onnx(fast, torch.rand(3, c_in, 14, 14))
                self.assertNotIn("Resize", _ops(m))
                self.assertLess(_rel(onnx_eval.run(m, {"x": x})["y"], want), TOL)

    def test_unknown_predictor_shapes_are_left_as_torchvision_wrote_them(self):
        mask = MaskRCNNPredictor(8, 8, 2)
        mask.conv5_mask = torch.nn.ConvTranspose2d(8, 8, 3, 2, 1)
        self.assertIs(export.SubpixelMaskPredictor.replace(mask), mask)
        kp = KeypointRCNNPredictor(8, 3)
        kp.up_scale = 4
        self.assertIs(export.MatMulKeypointPredictor.replace(kp, (14, 14)), kp)


class ExportedHeadGraphTests(unittest.TestCase):
    """The head graphs export.py wrote for a (random) tiny model, against torchvision's head modules."""

    @classmethod
    def setUpClass(cls):
        cls.out, cls.model, cls.manifest = helpers.tiny_export()

    def test_head_graphs_equal_torchvision_heads(self):
        g = torch.Generator().manual_seed(5)
        for key, head in (("mask_head", export.MaskHead), ("keypoint_head", export.KeypointHead)):
            with self.subTest(key):
                spec = self.manifest["graphs"][key]
                m = onnx.load(os.path.join(self.out, spec["file"]))
                ops = _ops(m)
                self.assertNotIn("Resize", ops)
                if key == "mask_head":
                    self.assertNotIn("ConvTranspose", ops)
                s = spec["inputs"][0]["shape"]
                x = torch.randn(7, s[1], s[2], s[3], generator=g) * 2
                with torch.no_grad():
                    want = head(self.model, fast=False).eval()(x)
                got = onnx_eval.run(m, {spec["inputs"][0]["name"]: x})[spec["outputs"][0]["name"]]
                self.assertEqual(list(got.shape), [7] + spec["outputs"][0]["shape"][1:])
                self.assertLess(_rel(got, want), TOL)

    def test_plain_predictors_flag_exports_torchvision_operators(self):
        out = os.path.join(helpers.tmp_root(), "tiny_plain")
        os.makedirs(out, exist_ok=True)
        graphs, _, _ = export.export_graphs(self.model, out, fast_predictors=False)
        self.assertIn("ConvTranspose", _ops(onnx.load(os.path.join(out, graphs["mask_head"]["file"]))))
        self.assertIn("Resize", _ops(onnx.load(os.path.join(out, graphs["keypoint_head"]["file"]))))


if __name__ == "__main__":
    unittest.main()
