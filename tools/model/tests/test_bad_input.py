import os
import unittest

import torch

from . import helpers


class BadInputTests(unittest.TestCase):
    def assertOneLineError(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        for frag in fragments:
            self.assertIn(frag, lines[0])

    def test_unknown_arch(self):
        r = helpers.run_tool("export.py", "--arch", "yolo", "--weights", "none", "--out", os.path.join(helpers.tmp_root(), "x"))
        self.assertOneLineError(r, "unknown architecture 'yolo'", "maskrcnn_resnet50_fpn")

    def test_checkpoint_with_other_class_count(self):
        out, model, _ = helpers.tiny_export()
        sd = dict(model.state_dict())
        sd["roi_heads.box_predictor.cls_score.weight"] = torch.zeros(6, 256)
        p = os.path.join(helpers.tmp_root(), "six_classes.pt")
        torch.save(sd, p)
        r = helpers.run_tool("export.py", "--arch", "tiny", "--weights", p, "--out", os.path.join(helpers.tmp_root(), "y"))
        self.assertOneLineError(r, "has 6 classes", "--classes")

    def test_checkpoint_of_another_arch(self):
        out, _, _ = helpers.tiny_export()
        r = helpers.run_tool("export.py", "--arch", "keypointrcnn_resnet50_fpn", "--weights",
                             os.path.join(out, "checkpoint.pt"), "--out", os.path.join(helpers.tmp_root(), "z"))
        self.assertOneLineError(r, "does not fit architecture 'keypointrcnn_resnet50_fpn'", "missing")

    def test_weights_file_that_does_not_exist(self):
        r = helpers.run_tool("export.py", "--arch", "tiny", "--weights", "/nonexistent.pt", "--out", os.path.join(helpers.tmp_root(), "w"))
        self.assertOneLineError(r, "no such file '/nonexistent.pt'")

    def test_dataset_that_is_not_coco(self):
        empty = os.path.join(helpers.tmp_root(), "not_coco")
        os.makedirs(empty, exist_ok=True)
        r = helpers.run_tool("train.py", "--data", empty, "--steps", "1", "--ckpt-dir", os.path.join(helpers.tmp_root(), "c"))
        self.assertOneLineError(r, f"'{empty}' is not a COCO dataset", "annotations.json")

    def test_dataset_with_json_that_is_not_coco(self):
        d = os.path.join(helpers.tmp_root(), "not_coco_json")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "annotations.json"), "w") as f:
            f.write('{"images": []}')
        r = helpers.run_tool("train.py", "--data", d, "--steps", "1", "--ckpt-dir", os.path.join(helpers.tmp_root(), "c2"))
        self.assertOneLineError(r, "is not a COCO dataset", "annotations, categories")

    def test_reference_on_a_directory_without_model_json(self):
        r = helpers.run_tool("reference.py", "--model", helpers.tmp_root(), "--input", helpers.tmp_root(), "--output", os.path.join(helpers.tmp_root(), "o.jsonl"))
        self.assertOneLineError(r, "no model.json")


if __name__ == "__main__":
    unittest.main()
