"""Makes the small ONNX fixtures segtrt's Go tests read, with torch.onnx.

Run from the repository root with Debian's Python (it has torch and onnx):
    /usr/bin/python3 testdata/onnx/make_fixtures.py [--resnet18 OUT.onnx]

Each model gets a JSON sidecar with what torch itself says about it: its
parameter count (sum of numel), the multiply-accumulates of its Conv and
Linear layers counted with forward hooks, and its output shapes. The Go tests
compare segtrt's own numbers against these.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))


class SPGExcite(nn.Module):
    """y = x + sigmoid(g) * t, the SPG excitation torch exports as Add(Mul(Sigmoid))."""

    def __init__(self, ch, classes=5):
        super().__init__()
        self.logits = nn.Conv2d(ch, classes, 1)
        self.gate = nn.Conv2d(classes, ch, 1)
        self.trans = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        g = self.gate(self.logits(x))
        return x + torch.sigmoid(g) * self.trans(x)


class OpsNet(nn.Module):
    """Touches every op family the shape inference must handle."""

    def __init__(self, fixed_size=True):
        super().__init__()
        # avg_pool2d with the feature size as kernel only exports for fixed sizes.
        self.fixed_size = fixed_size
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        self.dw = nn.Conv2d(8, 8, 5, 1, 2, groups=8)
        self.dil = nn.Conv2d(8, 12, 3, 1, 2, dilation=2)
        self.hs = nn.Hardswish()
        self.hsig = nn.Hardsigmoid()
        self.down = nn.Conv2d(12, 16, 3, 2, 0)
        self.spg = SPGExcite(16)
        self.up = nn.ConvTranspose2d(16, 8, 4, 2, 1)
        self.fc = nn.Linear(16, 10)
        self.head = nn.Conv2d(8 + 12, 4, 1)

    def forward(self, x):
        s = self.pool(self.stem(x))
        a = self.hs(self.dw(s))
        b = self.dil(a)
        b = b * self.hsig(b)
        d = self.down(b)
        d = self.spg(d)
        # Global pooling, three spellings torch users write.
        g1 = F.adaptive_avg_pool2d(d, 1)
        g2 = d.mean(dim=(2, 3), keepdim=True)
        d = d + g1 + g2
        if self.fixed_size:
            d = d + F.avg_pool2d(d, d.shape[2:])
        # Inference-time average pooling: stride 1, then back to feature size.
        ap = F.avg_pool2d(d, (2, 3), stride=1)
        ap = F.interpolate(ap, size=d.shape[2:], mode="bilinear", align_corners=False)
        d = torch.clamp(d + ap, -6.0, 6.0)
        # Nearest only at integer ratios: at others torch and ONNX's
        # asymmetric/floor mapping round differently.
        u = self.up(d) + F.interpolate(d, scale_factor=2.0, mode="nearest")[:, :8]
        u = F.interpolate(u, size=b.shape[2:], mode="bilinear", align_corners=False)
        y = self.head(torch.cat([u, b], dim=1))
        y = F.pad(y, (1, 2, 0, 1))
        y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
        y = F.interpolate(y, size=x.shape[2:], mode="bilinear", align_corners=False)
        seg = torch.softmax(y, dim=1)
        # A classifier branch: flatten, Gemm, reshape/transpose, MatMul.
        v = torch.flatten(g1, 1)
        cls = self.fc(v)
        t = cls.reshape(1, 2, 5).transpose(1, 2)
        m = torch.matmul(t, t.transpose(1, 2))
        return seg, m


class PlainNet(nn.Module):
    """No Conv+BN pairs (torch would fold them) and random BN statistics, so
    the ONNX parameters equal torch's own count exactly."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.c2 = nn.Conv2d(6, 4, 3, stride=2, groups=2)
        self.fc = nn.Linear(4, 7)

    def forward(self, x):
        y = self.bn(F.relu(self.c1(x)))
        y = F.relu(self.c2(y))
        return self.fc(y.mean(dim=(2, 3)))


class Seg19Net(nn.Module):
    """An untrained 19-class segmentation net whose logits come out at a
    quarter of the input size, so validation must resize them."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 19, 1))

    def forward(self, x):
        return self.body(x)


def hook_macs(model, x):
    """Counts Conv/Linear multiply-accumulates with forward hooks; returns
    them with the output shapes."""
    total = {"n": 0}

    def conv_hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, nn.ConvTranspose2d):
            total["n"] += inp[0].numel() * (m.out_channels // m.groups) * k
        else:
            total["n"] += out.numel() * (m.in_channels // m.groups) * k

    def lin_hook(m, inp, out):
        total["n"] += out.numel() * m.in_features

    hs = []
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            hs.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hs.append(m.register_forward_hook(lin_hook))
    with torch.no_grad():
        outs = model(x)
    for h in hs:
        h.remove()
    if isinstance(outs, torch.Tensor):
        outs = (outs,)
    return total["n"], [list(o.shape) for o in outs]


def randomize_bn(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g))
                m.running_mean.copy_(torch.randn(m.num_features, generator=g))
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def save_io(path, x, outs):
    """Writes input then outputs as little-endian float32, for comparing
    ONNX Runtime with torch without numpy files."""
    with open(path + ".io.bin", "wb") as f:
        for t in (x,) + tuple(outs):
            f.write(t.detach().numpy().astype("<f4").tobytes())


def export(model, shape, path, opset, names, dynamic=None, external=False, alt_shape=None, io=False):
    model.eval()
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    macs, out_shapes = hook_macs(model, x)
    if io:
        with torch.no_grad():
            outs = model(x)
        save_io(path, x, outs if isinstance(outs, tuple) else (outs,))
    tmp = path + ".tmp"
    torch.onnx.export(model, x, tmp, opset_version=opset, input_names=["input"],
                      output_names=names, dynamic_axes=dynamic, do_constant_folding=True)
    if external:
        import onnx
        m = onnx.load(tmp)
        os.remove(tmp)
        data = os.path.basename(path) + ".data"
        # onnx appends to an existing data file: start from nothing.
        if os.path.exists(os.path.join(os.path.dirname(path), data)):
            os.remove(os.path.join(os.path.dirname(path), data))
        onnx.save_model(m, tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data, size_threshold=256)
    os.replace(tmp, path)
    import onnx
    inferred = onnx.shape_inference.infer_shapes(onnx.load(path), data_prop=True)
    value_shapes = {}
    for vi in inferred.graph.value_info:
        dims = vi.type.tensor_type.shape.dim
        if vi.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            value_shapes[vi.name] = [d.dim_value for d in dims]
    meta = {
        "onnx_value_shapes": value_shapes,
        "opset": opset,
        "input_shape": list(shape),
        "torch_params": sum(p.numel() for p in model.parameters()),
        "hook_macs": macs,
        "output_shapes": out_shapes,
        "output_names": names,
    }
    if alt_shape:
        _, alt_out = hook_macs(model, torch.zeros(*alt_shape))
        meta["alt_input_shape"] = list(alt_shape)
        meta["alt_output_shapes"] = alt_out
    with open(path + ".json", "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


def const_model(path):
    """consts.onnx: constant subgraphs of the ops segtrt's folding evaluates
    (each output adds ReduceMax(input), so only its constant part folds).
    The Go test compares ONNX Runtime on it before and after folding."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits, outs = [], [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, n_out=1, **attrs):
        name = f"{op.lower()}{len(nodes)}"
        o = [f"{name}_out{j}" for j in range(n_out)]
        nodes.append(helper.make_node(op, ins, o, name=name, **attrs))
        return o[0] if n_out == 1 else o

    def output(v, to_float=True):
        if to_float:
            v = node("Cast", [v], to=TensorProto.FLOAT)
        y = f"y{len(outs)}"
        nodes.append(helper.make_node("Add", [v, "xmax"], [y], name=f"out_{y}"))
        outs.append(helper.make_tensor_value_info(y, TensorProto.FLOAT, None))

    nodes.append(helper.make_node("ReduceMax", ["input"], ["xmax"], keepdims=0, name="xmax"))
    i64 = lambda *v: np.array(v, dtype=np.int64)
    f32 = lambda *v: np.array(v, dtype=np.float32)
    # SGCPNet's fusion weights: relu(w) / (sum(relu(w)) + eps).
    r = node("Relu", [init("w", f32(0.7, -0.2, 1.3))])
    s = node("ReduceSum", [r, init("ax0", i64(0))], keepdims=1)
    output(node("Div", [r, node("Add", [s, init("eps", f32(1e-4))])]))
    # Integer index arithmetic.
    a = node("Range", [init("r0", np.array(0, np.int64)), init("r12", np.array(12, np.int64)),
                       init("r1", np.array(1, np.int64))])
    a = node("Transpose", [node("Reshape", [a, init("s34", i64(3, 4))])], perm=[1, 0])
    a = node("Slice", [a, init("st", i64(1)), init("en", i64(2**63 - 1)), init("axs", i64(0)), init("stp", i64(2))])
    output(node("Gather", [a, init("gi", i64(2, 0, -1))], axis=1))
    m = node("Mod", [init("ma", i64(-7, 7, -7, 7)), init("mb", i64(3, 3, -3, -3))])
    fm = node("Mod", ["ma", "mb"], fmod=1)
    d = node("Div", ["ma", "mb"])
    output(node("Concat", [m, fm, d, node("Mul", ["ma", "mb"]), node("Sub", ["ma", "mb"])], axis=0))
    # Float elementwise, rounded to float32 after every op.
    v = init("v", np.linspace(-2.5, 3.1, 11).astype(np.float32))
    av = node("Abs", [v])
    unary = [node("Exp", [node("Neg", [av])]), node("Sqrt", [av]), node("Log", [node("Add", [av, "eps"])]),
             node("Sigmoid", [v]), node("Tanh", [v]), node("Erf", [v]), node("Floor", [v]), node("Ceil", [v]),
             node("Round", [v]), node("Reciprocal", [node("Add", [av, init("one", f32(1))])]), node("Sign", [v]),
             node("Clip", [v, init("lo", np.array(-0.5, np.float32)), init("hi", np.array(0.5, np.float32))]),
             node("LeakyRelu", [v], alpha=0.1), node("Softplus", [v]), node("Pow", [av, init("p", f32(1.5))]),
             node("Sub", [v, "one"]), node("Mul", [v, v]), node("Div", [v, init("three", f32(3))]),
             node("Max", [v, av, "one"]), node("Min", [v, "one"]), node("Mean", [v, av, "one"]),
             node("Sum", [v, av, "one"]), node("HardSigmoid", [v], alpha=0.3, beta=0.4),
             node("Elu", [v], alpha=0.5), node("Softsign", [v]), node("Sin", [v]), node("Cos", [v])]
    output(node("Concat", unary, axis=0), to_float=False)
    # Comparisons, logic and Where.
    gt = node("Greater", [v, av])
    lt = node("Less", [v, "one"])
    output(node("Where", [node("Or", [gt, node("Not", [lt])]), v, node("Neg", [v])]), to_float=False)
    output(node("Concat", [node("Equal", [v, av]), node("And", [gt, lt]), node("Xor", [gt, lt]),
                           node("LessOrEqual", [v, "one"]), node("GreaterOrEqual", [v, "one"])], axis=0))
    # Reductions over a 2x3x4 block.
    blk = init("blk", np.arange(-11, 13, dtype=np.float32).reshape(2, 3, 4) / 7)
    red = [node(op, [blk], axes=[1], keepdims=0) for op in
           ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL2", "ReduceL1")]
    red.append(node("ReduceSum", [blk, init("ax2", i64(-1))], keepdims=0))
    red.append(node("ReduceMean", [blk], keepdims=0))
    output(node("Concat", [node("Flatten", [x], axis=0) for x in red], axis=1), to_float=False)
    # Shape ops on constants.
    u = node("Unsqueeze", [blk, init("ax03", i64(0, 3))])
    q = node("Squeeze", [u, init("ax03b", i64(0, 3))])
    e = node("Expand", [init("e23", f32(1, 2, 3).reshape(1, 3)), init("es", i64(4, 2, 3))])
    t = node("Tile", [q, init("rep", i64(1, 2, 1))])
    p1, p2 = node("Split", [t, init("sp", i64(1, 5))], n_out=2, axis=1)
    output(node("Concat", [node("Flatten", [x], axis=0) for x in (q, e, t, p1, p2)], axis=1), to_float=False)
    cos = node("ConstantOfShape", [init("cs", i64(2, 3))], value=helper.make_tensor("val", TensorProto.INT64, [1], [7]))
    shp = node("Shape", [blk])
    sz = node("Size", [blk])
    k = node("Constant", [], value=helper.make_tensor("k", TensorProto.INT32, [2], [5, -6]))
    ki = node("Cast", [k], to=TensorProto.INT64)
    cf = node("Cast", [node("Cast", [init("cf", f32(-2.7, 2.7, 0.2, -0.0))], to=TensorProto.INT32)], to=TensorProto.INT64)
    bl = node("Cast", [node("Cast", ["cf"], to=TensorProto.BOOL)], to=TensorProto.INT64)
    fr = node("Range", [init("f0", np.array(0.1, np.float32)), init("f1", np.array(1.0, np.float32)),
                        init("fd", np.array(0.07, np.float32))])
    output(node("Concat", [node("Flatten", [cos], axis=0), node("Unsqueeze", [shp, "ax0"]),
                           node("Reshape", [sz, init("s11", i64(1, 1))]), node("Unsqueeze", [ki, "ax0"]),
                           node("Unsqueeze", [cf, "ax0"]), node("Unsqueeze", [bl, "ax0"])], axis=1))
    output(fr, to_float=False)
    graph = helper.make_graph(nodes, "consts", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 4, 5])],
                              outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    import onnx
    # Outputs take the shapes onnx infers for them.
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    types = {vi.name: vi.type for vi in inferred.graph.value_info}
    for n, o in zip([n for n in nodes if n.name.startswith("out_")], model.graph.output):
        o.type.CopyFrom(types[n.input[0]])
        o.type.tensor_type.elem_type = TensorProto.FLOAT
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def unknown_ops_model(path):
    """unknown-ops.onnx: a 19-class segmenter built from ops segtrt's shape
    inference has no rule for (Einsum as the classifier, CumSum, GridSample
    with an identity grid), which ONNX Runtime runs."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.RandomState(0)
    h, w = 64, 128
    ys, xs = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    grid = np.stack([xs, ys], -1)[None].astype(np.float32)
    inits = [numpy_helper.from_array((rng.randn(8, 3, 3, 3) * 0.3).astype(np.float32), "c1w"),
             numpy_helper.from_array(np.zeros(8, np.float32), "c1b"),
             numpy_helper.from_array((rng.randn(19, 8) * 0.3).astype(np.float32), "cls"),
             numpy_helper.from_array(np.array(3, np.int64), "axis"),
             numpy_helper.from_array(np.array([1.0 / w], np.float32), "norm"),
             numpy_helper.from_array(grid, "grid")]
    nodes = [helper.make_node("Conv", ["input", "c1w", "c1b"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("CumSum", ["r1", "axis"], ["cs"], name="cumsum"),
             helper.make_node("Mul", ["cs", "norm"], ["csn"], name="scale"),
             helper.make_node("Add", ["csn", "r1"], ["mix"], name="mix"),
             helper.make_node("Einsum", ["mix", "cls"], ["ein"], equation="nchw,kc->nkhw", name="classifier"),
             helper.make_node("GridSample", ["ein", "grid"], ["logits"], align_corners=1, name="gs")]
    graph = helper.make_graph(nodes, "unknown_ops",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 19, h, w])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resnet18", help="also export a fresh torchvision ResNet-18 at 1x3x224x224 here")
    args = ap.parse_args()
    if args.resnet18:
        import torchvision
        torch.manual_seed(0)
        export(torchvision.models.resnet18(weights=None), (1, 3, 224, 224), args.resnet18, 17, ["logits"])
        return
    for opset in (11, 13, 17):
        torch.manual_seed(0)
        export(OpsNet(), (1, 3, 61, 83), os.path.join(HERE, f"ops-opset{opset}.onnx"), opset, ["seg", "gram"],
               io=(opset == 17))
    torch.manual_seed(0)
    export(OpsNet(fixed_size=False), (1, 3, 64, 96), os.path.join(HERE, "ops-dynamic.onnx"), 17, ["seg", "gram"],
           dynamic={"input": {2: "height", 3: "width"}, "seg": {2: "height", 3: "width"}},
           alt_shape=(1, 3, 45, 70))
    torch.manual_seed(0)
    export(Seg19Net(), (1, 3, 64, 128), os.path.join(HERE, "seg19-64x128.onnx"), 17, ["logits"])
    torch.manual_seed(0)
    plain = PlainNet()
    randomize_bn(plain, 3)
    export(plain, (1, 3, 20, 30), os.path.join(HERE, "plain.onnx"), 17, ["logits"], io=True)
    torch.manual_seed(0)
    plain = PlainNet()
    randomize_bn(plain, 3)
    os.makedirs(os.path.join(HERE, "external"), exist_ok=True)
    export(plain, (1, 3, 20, 30), os.path.join(HERE, "external", "plain-ext.onnx"), 17, ["logits"], external=True)
    const_model(os.path.join(HERE, "consts.onnx"))
    unknown_ops_model(os.path.join(HERE, "unknown-ops.onnx"))


if __name__ == "__main__":
    sys.exit(main())
