import json
import os
import signal
import subprocess
import sys
import unittest

import torch

from . import helpers


def _train(*extra, data=None, ckpt):
    return helpers.run_tool(
        "train.py", "--data", data or helpers.dataset(), "--batch-size", "2", "--min-sizes", "256",
        "--max-size", "352", "--threads", "1", "--log-every", "1", "--ckpt-dir", ckpt, *extra,
    )


class TrainTests(unittest.TestCase):
    def test_a_few_steps_reduce_the_loss(self):
        ckpt = os.path.join(helpers.tmp_root(), "train_loss")
        out = os.path.join(helpers.tmp_root(), "tiny_trained.pt")
        # one batch, seen again and again (batch = the whole 2-image dataset): the loss must drop
        data = helpers.dataset(images=2, seed=5)
        r = _train("--steps", "10", "--warmup", "1", "--lr", "2e-3", "--out", out, data=data, ckpt=ckpt)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(ckpt, "loss.jsonl")) as f:
            log = [json.loads(line) for line in f]
        self.assertEqual([rec["step"] for rec in log], list(range(1, 11)))
        first = sum(rec["loss"] for rec in log[:2]) / 2
        last = sum(rec["loss"] for rec in log[-2:]) / 2
        self.assertLess(last, first * 0.9, [rec["loss"] for rec in log])
        for key in ("loss_classifier", "loss_box_reg", "loss_mask", "loss_keypoint", "loss_objectness", "loss_rpn_box_reg"):
            self.assertIn(key, log[0])
        ck = torch.load(out, map_location="cpu")
        self.assertEqual(ck["config"]["classes"], ["__background__", "person", "car", "dog"])
        self.assertEqual(ck["step"], 10)

    def test_resumed_run_equals_uninterrupted_run(self):
        a = os.path.join(helpers.tmp_root(), "train_a")
        b = os.path.join(helpers.tmp_root(), "train_b")
        r = _train("--steps", "4", ckpt=a)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = _train("--steps", "4", "--stop-after", "2", ckpt=b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--resume", r.stdout)
        self.assertEqual(torch.load(os.path.join(b, "last.pt"))["step"], 2)
        r = _train("--steps", "4", "--resume", ckpt=b)
        self.assertEqual(r.returncode, 0, r.stderr)
        sa = torch.load(os.path.join(a, "last.pt"))["model"]
        sb = torch.load(os.path.join(b, "last.pt"))["model"]
        for k in sa:
            self.assertTrue(torch.equal(sa[k], sb[k]), k)

    def test_sigterm_checkpoints_the_step_reached_and_exits_cleanly(self):
        ckpt = os.path.join(helpers.tmp_root(), "train_sigterm")
        args = [sys.executable, os.path.join(helpers.TOOLS, "train.py"), "--data", helpers.dataset(), "--batch-size", "2",
                "--min-sizes", "256", "--max-size", "352", "--threads", "1", "--log-every", "1", "--ckpt-dir", ckpt,
                "--steps", "1000"]
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS="1")) as p:
            for line in p.stdout:
                if line.startswith("train: step=2 "):
                    p.send_signal(signal.SIGTERM)
                    break
            out, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("stopped at step", out)
        step = torch.load(os.path.join(ckpt, "last.pt"))["step"]
        self.assertGreaterEqual(step, 2)
        self.assertLess(step, 1000)
        with open(os.path.join(ckpt, "loss.jsonl")) as f:
            self.assertEqual(json.loads(f.readlines()[-1])["step"], step)


if __name__ == "__main__":
    unittest.main()


class DeepenKeypointHeadTests(unittest.TestCase):
    """--init-from with a deeper --keypoint-layers (the added layers start as identities) and --train-only keypoint."""

    @classmethod
    def setUpClass(cls):
        cls.base = os.path.join(helpers.tmp_root(), "train_deepen_base")
        r = _train("--steps", "1", ckpt=cls.base)
        assert r.returncode == 0, r.stderr

    def _assert_deepened_head_is_the_same_function(self, head, added_layers, added_modules):
        sys.path.insert(0, helpers.TOOLS)
        import architectures as A
        import train

        state = torch.load(os.path.join(self.base, "last.pt"), map_location="cpu")
        old = A.build_model(state["config"])
        old.load_state_dict(state["model"])
        cfg = json.loads(json.dumps(state["config"]))
        layers = cfg["tiny"][f"{head}_layers"]
        cfg["tiny"][f"{head}_layers"] = layers + [layers[-1]] * added_layers
        new = A.build_model(cfg)
        train.init_from(new, os.path.join(self.base, "last.pt"))
        self.assertEqual(len(getattr(new.roi_heads, f"{head}_head")), len(getattr(old.roi_heads, f"{head}_head")) + added_modules)
        x = torch.randn(3, cfg["tiny"]["fpn_channels"], 14, 14)
        with torch.no_grad():
            a = getattr(old.roi_heads, f"{head}_predictor")(getattr(old.roi_heads, f"{head}_head")(x))
            b = getattr(new.roi_heads, f"{head}_predictor")(getattr(new.roi_heads, f"{head}_head")(x))
        self.assertTrue(torch.equal(a, b))

    def _assert_train_only_changes_nothing_else(self, head, run, expected_layers):
        ckpt = os.path.join(helpers.tmp_root(), run)
        init = os.path.join(self.base, "last.pt")
        r = _train("--steps", "2", "--lr", "1e-3", "--warmup", "1", "--init-from", init, f"--{head}-layers", "64,64,64,64,64",
                   "--train-only", head, ckpt=ckpt)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{head} head layers {expected_layers} start as identities", r.stdout)
        before = torch.load(init, map_location="cpu")["model"]
        after = torch.load(os.path.join(ckpt, "last.pt"), map_location="cpu")["model"]
        changed = [k for k in after if k in before and not torch.equal(before[k], after[k])]
        self.assertTrue(changed)
        self.assertEqual([k for k in changed if not k.startswith(f"roi_heads.{head}_")], [])  # BN statistics included

    def test_added_keypoint_layers_start_as_identities(self):
        # KeypointRCNNHeads holds convolution and ReLU as separate modules: two per layer.
        self._assert_deepened_head_is_the_same_function("keypoint", 2, 4)

    def test_added_mask_layers_start_as_identities(self):
        # MaskRCNNHeads holds one Conv2dNormActivation per layer.
        self._assert_deepened_head_is_the_same_function("mask", 3, 3)

    def test_train_only_keypoint_leaves_everything_else_as_it_was(self):
        self._assert_train_only_changes_nothing_else("keypoint", "train_deepen_kp", [8])

    def test_train_only_mask_leaves_everything_else_as_it_was(self):
        self._assert_train_only_changes_nothing_else("mask", "train_deepen_mask", [4])

    def test_init_from_a_wider_head_names_the_problem(self):
        r = _train("--steps", "1", "--init-from", os.path.join(self.base, "last.pt"), "--keypoint-layers", "64,64,64,64,32",
                   ckpt=os.path.join(helpers.tmp_root(), "train_deepen_bad"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("keypoint layer 8 has 64 -> 32 channels", r.stderr)

    def test_keypoint_layers_that_are_not_channel_counts_name_the_problem(self):
        r = _train("--steps", "1", "--keypoint-layers", "64,x", ckpt=os.path.join(helpers.tmp_root(), "train_deepen_text"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("--keypoint-layers 64,x: expected positive channel counts", r.stderr)


class _FlipOnly:
    """A stand-in for the per-image random.Random: always flips, and leaves contrast, brightness and colour as they are."""

    def random(self):
        return 0.0

    def uniform(self, a, b):
        return (a + b) / 2


class HorizontalFlipTests(unittest.TestCase):
    """The training flip moves keypoints (pixel indices, centres at integers) to w - 1 - x and boxes (edges) to w - x."""

    def test_flipped_keypoints_land_on_the_mirrored_pixel_and_boxes_on_the_mirrored_edges(self):
        sys.path.insert(0, helpers.TOOLS)
        import cocodata

        data = cocodata.Detections([helpers.dataset()], augment=True)
        flips = data.flip
        compared = 0
        for index in range(len(data)):
            image, target = data.load(index, None)
            flipped, ftarget = data.load(index, _FlipOnly())
            w = image.shape[2]
            self.assertTrue(torch.allclose(flipped, image.flip(2), atol=1e-6))
            boxes, fboxes = target["boxes"], ftarget["boxes"]
            self.assertTrue(torch.equal(fboxes[:, 0], w - boxes[:, 2]) and torch.equal(fboxes[:, 2], w - boxes[:, 0]))
            kps, fkps = target["keypoints"], ftarget["keypoints"]
            for i in range(kps.shape[0]):
                for j in range(kps.shape[1]):
                    if kps[i, j, 2] <= 0:
                        continue
                    mirrored = fkps[i, list(flips).index(j)]
                    self.assertAlmostEqual(float(mirrored[0]), w - 1 - float(kps[i, j, 0]), places=3)
                    self.assertEqual(float(mirrored[1]), float(kps[i, j, 1]))
                    # The pixel under the keypoint is the pixel under its mirror in the flipped image.
                    x, y = int(round(float(kps[i, j, 0]))), int(round(float(kps[i, j, 1])))
                    if float(kps[i, j, 0]) == x and 0 <= x < w and 0 <= y < image.shape[1]:
                        self.assertTrue(torch.equal(image[:, y, x], flipped[:, y, w - 1 - x]))
                    compared += 1
        self.assertGreater(compared, 10)
