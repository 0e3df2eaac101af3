"""Shared, cached fixtures: one random tiny model export and one synthetic dataset per test run."""
import os
import subprocess
import sys
import tempfile

from . import TOOLS

_cache = {}


def tmp_root():
    if "root" not in _cache:
        _cache["tmp"] = tempfile.TemporaryDirectory(prefix="maskstream-tools-")
        _cache["root"] = _cache["tmp"].name
    return _cache["root"]


def dataset(images=4, seed=3):
    key = ("ds", images, seed)
    if key not in _cache:
        import synth

        _cache[key] = synth.write_dataset(os.path.join(tmp_root(), f"ds_{images}_{seed}"), images, seed)
    return _cache[key]


def tiny_export(seed=0):
    key = ("tiny", seed)
    if key not in _cache:
        import export

        out = os.path.join(tmp_root(), f"tiny_{seed}")
        model, cfg, info = export.load_model("tiny", "none", seed)
        manifest = export.export_model_dir(model, cfg, info, out)
        _cache[key] = (out, model, manifest)
    return _cache[key]


def run_tool(script, *args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, os.path.join(TOOLS, script), *args], capture_output=True, text=True, env=env)
