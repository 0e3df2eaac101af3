import json
import os
import unittest

import numpy as np

import rle

from . import REPO

FIXTURE = os.path.join(REPO, "tests", "fixtures", "reference", "coco_rle.json")


class RleFixtureTests(unittest.TestCase):
    """pycocotools' own encodings (tests/fixtures/reference/coco_rle.json)."""

    @classmethod
    def setUpClass(cls):
        with open(FIXTURE) as f:
            cls.cases = json.load(f)["encode_cases"]

    def test_runs_to_string_matches_pycocotools_for_every_case(self):
        for c in self.cases:
            with self.subTest(c["name"]):
                self.assertEqual(rle.runs_to_string(c["runs"]), c["counts"])

    def test_string_to_runs_matches_pycocotools_for_every_case(self):
        for c in self.cases:
            with self.subTest(c["name"]):
                self.assertEqual(rle.string_to_runs(c["counts"]), c["runs"])

    def test_mask_round_trip_and_area_on_small_cases(self):
        small = [c for c in self.cases if 0 < c["h"] * c["w"] <= 4096]
        self.assertGreaterEqual(len(small), 30)
        for c in small:
            with self.subTest(c["name"]):
                mask = rle.decode({"size": [c["h"], c["w"]], "counts": c["counts"]})
                self.assertEqual(mask.shape, (c["h"], c["w"]))
                self.assertEqual(int(mask.sum()), c["area"])
                self.assertEqual(rle.encode(mask)["counts"], c["counts"])
                if "rows" in c:
                    rows = np.array([[int(ch) for ch in r] for r in c["rows"]], np.uint8)
                    np.testing.assert_array_equal(mask, rows)


class RleKnownValueTests(unittest.TestCase):
    def test_column_major_runs_of_a_hand_made_mask(self):
        # column-major: col 0 = [0,1,1], col 1 = [0,0,1] -> runs 1 (0), 2 (1), 2 (0), 1 (1)
        mask = np.array([[0, 0], [1, 0], [1, 1]], np.uint8)
        self.assertEqual(rle.mask_to_runs(mask), [1, 2, 2, 1])
        # the 4th run is stored as 1 - 2 = -1: one group 0x1F (sign bit set) -> chr(48 + 31) = 'O'
        self.assertEqual(rle.encode(mask), {"size": [3, 2], "counts": "122O"})

    def test_first_pixel_set_starts_with_zero_run(self):
        self.assertEqual(rle.mask_to_runs(np.ones((2, 2), np.uint8)), [0, 4])
        self.assertEqual(rle.encode(np.ones((2, 2), np.uint8))["counts"], "04")

    def test_negative_delta_and_multi_group_values(self):
        # run 3 (index 3) is stored as 1 - 100 = -99: two 5-bit groups with the sign bit in the last
        runs = [5, 100, 7, 1, 10000 - 113]
        s = rle.runs_to_string(runs)
        self.assertEqual(rle.string_to_runs(s), runs)

    def test_random_masks_round_trip(self):
        g = np.random.default_rng(0)
        for h, w in ((1, 1), (7, 5), (33, 17), (64, 90)):
            m = (g.random((h, w)) < 0.3).astype(np.uint8)
            np.testing.assert_array_equal(rle.decode(rle.encode(m)), m)

    def test_bad_string_is_rejected(self):
        with self.assertRaises(ValueError):
            rle.string_to_runs("1 2")


if __name__ == "__main__":
    unittest.main()
