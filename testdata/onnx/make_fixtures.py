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


if __name__ == "__main__":
    sys.exit(main())
