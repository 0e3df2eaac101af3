import json
import os
import shutil
import subprocess
import unittest

import numpy as np
import torch

import reference
import rle

from . import helpers


class ReferenceTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model_dir, cls.model, cls.manifest = helpers.tiny_export()
        data = helpers.dataset(images=2, seed=9)
        cls.images = os.path.join(data, "images")
        cls.out = os.path.join(helpers.tmp_root(), "ref", "out.jsonl")
        cls.fixtures = os.path.join(helpers.tmp_root(), "ref", "fx")
        cls.proc = helpers.run_tool("reference.py", "--model", cls.model_dir, "--input", cls.images, "--output",
                                   cls.out, "--intermediates", cls.fixtures, "--intermediate-frames", "1", "--threads", "1")

    def test_writes_one_detect_format_line_per_image(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        with open(self.out) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual([(r["frame"], r["source"]) for r in lines], [(0, "000000.png"), (1, "000001.png")])
        for rec in lines:
            self.assertEqual(list(rec), ["frame", "source", "width", "height", "objects"])
            self.assertEqual((rec["width"], rec["height"]), (640, 480))
            self.assertGreater(len(rec["objects"]), 0)
            for obj in rec["objects"]:
                self.assertEqual(obj["class"], self.manifest["classes"][obj["class_id"]])
                self.assertEqual(obj["mask"]["size"], [480, 480 * 4 // 3])
                self.assertEqual(rle.decode(obj["mask"]).shape, (480, 640))
                self.assertEqual(len(obj["bbox"]), 4)
                if obj["class"] == "person":
                    self.assertEqual(len(obj["keypoints"]), 17)
                else:
                    self.assertNotIn("keypoints", obj)

    def test_objects_equal_torchvision_output(self):
        rgb = reference._read_image(os.path.join(self.images, "000000.png"))
        with torch.no_grad():
            r = self.model([reference.to_tensor(rgb)])[0]
        with open(self.out) as f:
            rec = json.loads(f.readline())
        self.assertEqual(len(rec["objects"]), len(r["boxes"]))
        # a separate process may differ from this one by an ulp or two (conv kernels), not more
        for obj, box, score, mask in zip(rec["objects"], r["boxes"], r["scores"], r["masks"]):
            np.testing.assert_allclose(np.float32(obj["bbox"]), box.numpy(), rtol=1e-5)
            self.assertAlmostEqual(obj["score"], float(score), delta=1e-5)
            differing = int((rle.decode(obj["mask"]) != (mask[0] > 0.5).numpy()).sum())
            self.assertLessEqual(differing, 2)

    def test_json_numbers_read_back_as_the_same_float32(self):
        values = np.random.default_rng(0).normal(0, 300, 1000).astype(np.float32)
        for v in values:
            self.assertEqual(np.float32(reference._f32(v)), v)

    def test_intermediates_are_consistent_with_the_final_output(self):
        d = os.path.join(self.fixtures, "frame_000000")
        with open(os.path.join(d, "index.json")) as f:
            meta = json.load(f)
        self.assertEqual(meta["original_size"], [480, 640])
        self.assertEqual(meta["resized_size"], [480, 640])
        t = {k: np.load(os.path.join(d, f"{k}.npy")) for k in meta["tensors"]}
        self.assertEqual(t["image"].shape, (1, 3, 480, 640))
        self.assertEqual(t["class_logits"].shape[0], t["proposals"].shape[0])
        self.assertLessEqual(t["proposals"].shape[0], 300)
        # resized == original here, so detections equal the final boxes
        np.testing.assert_array_equal(t["detections_boxes"], t["final_boxes"])
        self.assertGreaterEqual(t["candidates_boxes"].shape[0], t["detections_boxes"].shape[0])
        self.assertEqual(t["keypoint_heatmaps"].shape[1:], (17, 56, 56))
        self.assertEqual(t["mask_logits"].shape[1:], (4, 28, 28))
        a = sum(o.shape[1] * o.shape[2] * o.shape[3] for k, o in t.items() if k.startswith("rpn_objectness_"))
        self.assertEqual(t["anchors"].shape, (a, 4))
        self.assertFalse(os.path.exists(os.path.join(self.fixtures, "frame_000001")))


    @unittest.skipUnless(shutil.which("ffmpeg") and shutil.which("ffprobe"), "needs ffmpeg")
    def test_video_input_gives_one_line_per_frame_without_source(self):
        video = os.path.join(helpers.tmp_root(), "ref", "clip.mkv")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "5", "-i", os.path.join(self.images, "%06d.png"),
                        "-c:v", "ffv1", video], check=True)
        out = os.path.join(helpers.tmp_root(), "ref", "video.jsonl")
        r = helpers.run_tool("reference.py", "--model", self.model_dir, "--input", video, "--output", out, "--threads", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "")
        with open(out) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual([rec["frame"] for rec in lines], [0, 1])
        self.assertNotIn("source", lines[0])
        with open(self.out) as f:  # ffv1 is lossless: the same detections as from the PNGs
            png = [json.loads(line) for line in f]
        self.assertEqual([len(rec["objects"]) for rec in lines], [len(rec["objects"]) for rec in png])


if __name__ == "__main__":
    unittest.main()
