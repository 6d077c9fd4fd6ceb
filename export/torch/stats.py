"""Parameter and multiply-accumulate counts of torch modules.

Params: every element of model.parameters() (BatchNorm running statistics are buffers and never
count). MACs: forward hooks on Conv2d and Linear, output elements * in_channels / groups *
kernel_h * kernel_w (Linear: output elements * in_features). Pooling, resizing, element-wise ops
and BatchNorm count nothing. The forward runs on the 'meta' device by default (shapes only, no
arithmetic), so a 1024x2048 count takes milliseconds; the model is copied first.
"""

import copy

import torch
import torch.nn as nn


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def count_macs(model, height, width, batch=1, device="meta", by_module=False):
    """MACs of one eval-mode forward pass at (batch, 3, height, width).

    by_module=True returns (total, {module name: macs}).
    """
    m = copy.deepcopy(model).eval().to(device)
    names = {mod: name for name, mod in m.named_modules()}
    per = {}

    def hook(mod, inputs, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1]
            n = out.numel() * (mod.in_channels // mod.groups) * k
        else:
            n = out.numel() * mod.in_features
        per[names[mod]] = per.get(names[mod], 0) + int(n)

    handles = [mod.register_forward_hook(hook) for mod in m.modules()
               if isinstance(mod, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            m(torch.zeros(batch, 3, height, width, device=device))
    finally:
        for h in handles:
            h.remove()
    total = sum(per.values())
    return (total, per) if by_module else total
