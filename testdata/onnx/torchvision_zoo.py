"""Exports torchvision's segmentation models for segtrt's any-model tests.

    /usr/bin/python3 testdata/onnx/torchvision_zoo.py OUT_DIR

Writes, with random seeded weights (weights=None, weights_backbone=None,
num_classes=19: the defaults would download weights and give 21 classes):
  fcn_resnet50-op17-static.onnx
  deeplabv3_mobilenet_v3_large-op{13,17}-{static,dynamic}.onnx
  lraspp_mobilenet_v3_large-op{13,17}-{static,dynamic}.onnx
Static models take 1x3x128x256; dynamic ones have dynamic height and width.
FCN is about 135 MB, so these live in the git-ignored testdata/cache and
are made on demand. Each file is written to a temporary name and renamed.
"""
import os
import sys

import torch
import torchvision.models.segmentation as seg

torch.set_num_threads(2)
SIZE = (128, 256)


class LogitsOnly(torch.nn.Module):
    """torchvision's models return {"out": logits}; ONNX wants a tensor."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def randomize_bn(model, seed):
    """Fresh BatchNorm statistics are the identity: give them values, so the
    export is checked on layers that compute something."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.1)


def export(name, opset, dynamic, out_dir):
    torch.manual_seed(0)
    model = getattr(seg, name)(weights=None, weights_backbone=None, num_classes=19)
    randomize_bn(model, 0)
    model = LogitsOnly(model).eval()
    path = os.path.join(out_dir, f"{name}-op{opset}-{'dynamic' if dynamic else 'static'}.onnx")
    if os.path.exists(path):
        return
    axes = {"input": {2: "height", 3: "width"}, "logits": {2: "height", 3: "width"}} if dynamic else None
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, torch.randn(1, 3, *SIZE), tmp, opset_version=opset, input_names=["input"],
                          output_names=["logits"], dynamic_axes=axes, do_constant_folding=True)
    os.replace(tmp, path)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    export("fcn_resnet50", 17, False, out_dir)
    for name in ("deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"):
        for opset in (13, 17):
            for dynamic in (False, True):
                export(name, opset, dynamic, out_dir)


if __name__ == "__main__":
    main()
