"""Prints the README's tables: params and MACs of every paper row, ours vs the paper.

    /usr/bin/python3 -m export.torch.report [--onnx]

--onnx also exports each row (64x128 input, in a temporary folder) and counts ONNX initializer
elements the way `segtrt inspect` counts params (BatchNorm folded into the convolutions).
"""

import argparse
import os
import tempfile

import numpy as np
import torch

from . import archs
from .spgnet import SPGNet
from .stats import count_macs, count_params


def onnx_params(model):
    import onnx

    from .export import export_model

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.onnx")
        export_model(model, p, 64, 128)
        m = onnx.load(p)
        return sum(int(np.prod(i.dims)) for i in m.graph.initializer)


def pct(a, b):
    return f"{100.0 * (a - b) / b:+.2f}%"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)
    head = ("| arch | source | params ours | paper | diff | MACs 1024x2048 | paper FLOPs | diff "
            "| MACs 1025x2049 | diff |")
    if a.onnx:
        head += " ONNX params | diff |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, p_params, p_flops, src in archs.PAPER_ROWS:
        m = archs.build(name)
        p = count_params(m)
        m1, m2 = count_macs(m, 1024, 2048) / 1e9, count_macs(m, 1025, 2049) / 1e9
        row = (f"| {name} | {src} | {p / 1e6:.3f}M | {p_params}M | {pct(p / 1e6, p_params)} "
               f"| {m1:.1f}B | {p_flops}B | {pct(m1, p_flops)} | {m2:.1f}B | {pct(m2, p_flops)} |")
        if a.onnx:
            q = onnx_params(m)
            row += f" {q / 1e6:.3f}M | {pct(q / 1e6, p_params)} |"
        print(row)
        del m
    print()
    print("| Table 3 variant (R18, 2 stages, 128) | params | paper | MACs 1024x2048 | MACs 1025x2049 "
          "| paper FLOPs | diff (1025) |")
    print("|---|---|---|---|---|---|---|")
    for kw, p_params, p_flops in archs.PAPER_TABLE3:
        m = SPGNet(18, 2, 128, train_crop=archs.PAPER_TRAIN_CROP, **kw)
        p = count_params(m)
        m1, m2 = count_macs(m, 1024, 2048) / 1e9, count_macs(m, 1025, 2049) / 1e9
        desc = ", ".join(f"{k}={v}" for k, v in kw.items())
        print(f"| {desc} | {p / 1e6:.3f}M | {p_params}M | {m1:.1f}B | {m2:.1f}B | {p_flops}B "
              f"| {pct(m2, p_flops)} |")
    print()
    for name in ("spgnet-micro", "sgcpnet"):
        m = archs.build(name)
        line = (f"{name}: {count_params(m)} params; MACs 256x512 {count_macs(m, 256, 512) / 1e9:.3f}B, "
                f"768x1536 {count_macs(m, 768, 1536) / 1e9:.3f}B, "
                f"1024x2048 {count_macs(m, 1024, 2048) / 1e9:.3f}B")
        if a.onnx:
            line += f"; ONNX params {onnx_params(m)}"
        print(line)


if __name__ == "__main__":
    main()
