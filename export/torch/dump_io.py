"""Exports an architecture and writes what PyTorch computes on a seeded
input, so that segtrt's Go tests can compare ONNX Runtime with PyTorch.

    /usr/bin/python3 -m export.torch.dump_io --arch sgcpnet --height 128 --width 256 \\
        [--train-crop HxW] --out M.onnx

Writes M.onnx and M.onnx.io.bin: the input (1x3xHxW) then the logits
(1x19xHxW), little-endian float32. Weights are a seeded random init with
BatchNorm statistics randomised too, so the comparison is not trivial.
"""
import argparse
import sys

import torch

from . import archs
from .export import export_model


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m export.torch.dump_io")
    p.add_argument("--arch", required=True)
    p.add_argument("--height", type=int, required=True)
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--train-crop", default="default")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    crop = None if a.train_crop == "none" else a.train_crop
    if crop not in ("default", None):
        h, w = crop.split("x")
        crop = (int(h), int(w))
    model = archs.build(a.arch, train_crop=crop)
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    model.eval()
    export_model(model, a.out, a.height, a.width)
    x = torch.randn(1, 3, a.height, a.width, generator=g)
    with torch.no_grad():
        y = model(x)
    with open(a.out + ".io.bin", "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<f4").tobytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
