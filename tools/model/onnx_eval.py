"""A small ONNX interpreter on torch tensors, to check exported graphs numerically.

onnxruntime is not available to the Python tools, and Debian 12's python3-onnx is 1.12 (its
`onnx.reference.ReferenceEvaluator` came in 1.13). This walks the graph node by node and evaluates
the operators our graphs use, following the ONNX operator spec (attributes, defaults, pads layout,
Resize coordinate modes written out here rather than delegated to torch.nn.functional.interpolate),
so a wrong attribute, a missed dynamic axis or a baked-in shape shows up as a difference from torch
eager. Unknown operators raise NotImplementedError rather than being guessed.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 10: torch.float16, 11: torch.float64}


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def run(model, feeds):
    """model: onnx.ModelProto; feeds: {input name: tensor}. Returns {output name: tensor}."""
    env = {init.name: torch.from_numpy(numpy_helper.to_array(init).copy()) for init in model.graph.initializer}
    env.update({k: torch.as_tensor(v) for k, v in feeds.items()})
    env[""] = None
    for node in model.graph.node:
        fn = _OPS.get(node.op_type)
        if fn is None:
            raise NotImplementedError(f"onnx_eval: operator {node.op_type} not implemented")
        outs = fn([env[i] for i in node.input], _attrs(node))
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        for name, val in zip(node.output, outs):
            env[name] = val
    return {o.name: env[o.name] for o in model.graph.output}


def _conv(inp, a):
    x, w = inp[0], inp[1]
    b = inp[2] if len(inp) > 2 else None
    pads = a.get("pads", [0, 0, 0, 0])
    x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))  # ONNX pads: [top, left, bottom, right]
    return F.conv2d(x, w, b, stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))


def _conv_transpose(inp, a):
    x, w = inp[0], inp[1]
    b = inp[2] if len(inp) > 2 else None
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise NotImplementedError("onnx_eval: asymmetric ConvTranspose pads")
    return F.conv_transpose2d(
        x, w, b, stride=a.get("strides", [1, 1]), padding=(pads[0], pads[1]),
        output_padding=a.get("output_padding", [0, 0]), groups=a.get("group", 1), dilation=a.get("dilations", [1, 1]),
    )


def _maxpool(inp, a):
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise NotImplementedError("onnx_eval: asymmetric MaxPool pads")
    return F.max_pool2d(
        inp[0], a["kernel_shape"], a.get("strides", [1, 1]), (pads[0], pads[1]), ceil_mode=bool(a.get("ceil_mode", 0))
    )


def _gemm(inp, a):
    A, B = inp[0], inp[1]
    if a.get("transA", 0):
        A = A.t()
    if a.get("transB", 0):
        B = B.t()
    y = a.get("alpha", 1.0) * (A @ B)
    if len(inp) > 2 and inp[2] is not None:
        y = y + a.get("beta", 1.0) * inp[2]
    return y


def _source_coords(out_len, in_len, scale, mode):
    i = torch.arange(out_len, dtype=torch.float64)
    if mode == "asymmetric":
        return i / scale
    if mode == "half_pixel":
        return (i + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (i + 0.5) / scale - 0.5 if out_len > 1 else torch.zeros(out_len, dtype=torch.float64)
    if mode == "align_corners":
        return i * (in_len - 1) / (out_len - 1) if out_len > 1 else torch.zeros(out_len, dtype=torch.float64)
    raise NotImplementedError(f"onnx_eval: Resize coordinate_transformation_mode {mode}")


def _resize(inp, a):
    x = inp[0]
    scales = inp[2] if len(inp) > 2 and inp[2] is not None and inp[2].numel() else None
    sizes = inp[3] if len(inp) > 3 and inp[3] is not None else None
    in_shape = list(x.shape)
    if sizes is not None:
        out_shape = [int(v) for v in sizes.tolist()]
        scl = [o / i for o, i in zip(out_shape, in_shape)]
    else:
        scl = [float(v) for v in scales.tolist()]
        out_shape = [int(math.floor(i * s)) for i, s in zip(in_shape, scl)]
    if out_shape[:2] != in_shape[:2]:
        raise NotImplementedError("onnx_eval: Resize over batch/channel axes")
    mode = _s(a.get("mode", "nearest"))
    ctm = _s(a.get("coordinate_transformation_mode", "half_pixel"))
    y = x
    for axis in (2, 3):
        n_in, n_out = in_shape[axis], out_shape[axis]
        src = _source_coords(n_out, n_in, scl[axis], ctm)
        if mode == "nearest":
            nm = _s(a.get("nearest_mode", "round_prefer_floor"))
            if nm == "floor":
                idx = torch.floor(src)
            elif nm == "round_prefer_floor":
                idx = torch.ceil(src - 0.5)
            else:
                raise NotImplementedError(f"onnx_eval: nearest_mode {nm}")
            y = y.index_select(axis, idx.clamp(0, n_in - 1).long())
        elif mode == "linear":
            src = src.clamp(0, n_in - 1)
            i0 = src.floor().long()
            i1 = (i0 + 1).clamp(max=n_in - 1)
            lam = (src - i0).to(x.dtype)
            shape = [1] * y.dim()
            shape[axis] = n_out
            lam = lam.view(shape)
            y = y.index_select(axis, i0) * (1 - lam) + y.index_select(axis, i1) * lam
        else:
            raise NotImplementedError(f"onnx_eval: Resize mode {mode}")
    return y


def _slice(inp, a):
    x = inp[0]
    starts, ends = inp[1].tolist(), inp[2].tolist()
    axes = inp[3].tolist() if len(inp) > 3 and inp[3] is not None else list(range(len(starts)))
    steps = inp[4].tolist() if len(inp) > 4 and inp[4] is not None else [1] * len(starts)
    idx = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if st != 1:
            raise NotImplementedError("onnx_eval: Slice with step != 1")
        n = x.shape[ax]
        s = max(0, min(n, s + n if s < 0 else s))
        e = max(0, min(n, e + n if e < 0 else e))
        idx[ax] = slice(s, e)
    return x[tuple(idx)]


def _unsqueeze(inp, a):
    x = inp[0]
    axes = inp[1].tolist() if len(inp) > 1 else a["axes"]
    for ax in sorted(ax if ax >= 0 else ax + x.dim() + 1 for ax in axes):
        x = x.unsqueeze(ax)
    return x


def _constant(inp, a):
    if "value" in a:
        return torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
    raise NotImplementedError("onnx_eval: Constant without `value`")


def _batchnorm(inp, a):
    x, scale, bias, mean, var = inp
    eps = a.get("epsilon", 1e-5)
    shape = [1, -1] + [1] * (x.dim() - 2)
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps) * scale.view(shape) + bias.view(shape)


def _depth_to_space(inp, a):
    x, r = inp[0], a["blocksize"]
    n, c, h, w = x.shape
    c //= r * r
    if _s(a.get("mode", "DCR")) == "DCR":  # input channel (i*r + j)*C + c
        y = x.reshape(n, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2)
    else:  # CRD: input channel c*r*r + i*r + j
        y = x.reshape(n, c, r, r, h, w).permute(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c, h * r, w * r)


def _reshape(inp, a):
    shape = inp[1].tolist()
    shape = [inp[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return inp[0].reshape(shape)


_OPS = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "Relu": lambda i, a: torch.relu(i[0]),
    "Sigmoid": lambda i, a: torch.sigmoid(i[0]),
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: i[0] / i[1] if i[0].is_floating_point() else torch.div(i[0], i[1], rounding_mode="trunc"),
    "MaxPool": _maxpool,
    "Flatten": lambda i, a: i[0].reshape(int(np.prod(i[0].shape[: a.get("axis", 1)])), -1),
    "Gemm": _gemm,
    "MatMul": lambda i, a: i[0] @ i[1],
    "Shape": lambda i, a: torch.tensor(list(i[0].shape), dtype=torch.int64),
    "Gather": lambda i, a: torch.as_tensor(i[0]).index_select(a.get("axis", 0), i[1].reshape(-1).long()).reshape(
        list(i[0].shape[: a.get("axis", 0)]) + list(i[1].shape) + list(i[0].shape[a.get("axis", 0) + 1:])
    ),
    "Unsqueeze": _unsqueeze,
    "Squeeze": lambda i, a: i[0].squeeze(),
    "Concat": lambda i, a: torch.cat([t.reshape(-1) if t.dim() == 0 else t for t in i], dim=a["axis"]),
    "Slice": _slice,
    "Cast": lambda i, a: i[0].to(_DTYPES[a["to"]]),
    "Constant": _constant,
    "Identity": lambda i, a: i[0],
    "Resize": _resize,
    "BatchNormalization": _batchnorm,
    "Reshape": _reshape,
    "DepthToSpace": _depth_to_space,
    "Floor": lambda i, a: torch.floor(i[0]),
}
