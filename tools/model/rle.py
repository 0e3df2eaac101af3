"""COCO run-length encoding (the `counts` string of pycocotools), written from the format.

A mask [H, W] is read in column-major (Fortran) order and cut into alternating runs of 0-pixels and
1-pixels, starting with a 0-run (length 0 when pixel (0, 0) is set). The compressed string stores
each run as a little-endian sequence of 5-bit groups, one character per group (chr(48 + group),
bit 0x20 = "more groups follow", bit 0x10 of the last group = sign). From the fourth run on
(index > 2) the value stored is the difference to the run two places back, which is small because
runs of the same kind tend to repeat.
"""
import numpy as np


def mask_to_runs(mask):
    """mask [H, W] (any dtype, nonzero = set) -> list of run lengths, column-major, 0-run first."""
    flat = (np.asarray(mask) != 0).T.reshape(-1)  # column-major
    if flat.size == 0:
        return [0]
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    if flat[0]:
        runs.insert(0, 0)
    return runs


def runs_to_mask(runs, h, w):
    """Run lengths (column-major, 0-run first) -> uint8 mask [H, W]."""
    if sum(runs) != h * w:
        raise ValueError(f"RLE runs sum to {sum(runs)}, expected h*w = {h * w}")
    values = np.zeros(len(runs), dtype=np.uint8)
    values[1::2] = 1
    flat = np.repeat(values, runs)
    return flat.reshape(w, h).T.copy()


def runs_to_string(runs):
    """Uncompressed run lengths -> COCO compressed `counts` string."""
    out = []
    for i, run in enumerate(runs):
        x = int(run)
        if i > 2:
            x -= int(runs[i - 2])
        more = True
        while more:
            c = x & 0x1F
            x >>= 5  # arithmetic shift, as in pycocotools' C (long)
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def string_to_runs(s):
    """COCO compressed `counts` string -> list of run lengths."""
    if isinstance(s, bytes):
        s = s.decode("ascii")
    runs = []
    p = 0
    n = len(s)
    while p < n:
        x = 0
        k = 0
        more = True
        while more:
            if p >= n:
                raise ValueError("truncated COCO RLE string")
            c = ord(s[p]) - 48
            if c < 0 or c > 63:
                raise ValueError(f"invalid character {s[p]!r} in COCO RLE string")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(runs) > 2:
            x += runs[-2]
        runs.append(x)
    return runs


def encode(mask):
    """mask [H, W] -> {"size": [H, W], "counts": str} (pycocotools' compressed RLE)."""
    mask = np.asarray(mask)
    h, w = mask.shape
    return {"size": [int(h), int(w)], "counts": runs_to_string(mask_to_runs(mask))}


def decode(rle):
    """{"size": [H, W], "counts": str | list} -> uint8 mask [H, W]. Accepts uncompressed lists too."""
    h, w = (int(v) for v in rle["size"])
    counts = rle["counts"]
    runs = list(counts) if isinstance(counts, (list, tuple)) else string_to_runs(counts)
    if h * w == 0:
        return np.zeros((h, w), dtype=np.uint8)
    return runs_to_mask(runs, h, w)


def area(rle):
    counts = rle["counts"]
    runs = list(counts) if isinstance(counts, (list, tuple)) else string_to_runs(counts)
    return int(sum(runs[1::2]))
