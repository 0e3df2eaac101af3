"""Tests of tools/model. Run from the repository root:

    /usr/bin/python3 -m unittest discover -s tools/model/tests -t .
"""
import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(TOOLS))
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import torch  # noqa: E402

torch.set_num_threads(1)
