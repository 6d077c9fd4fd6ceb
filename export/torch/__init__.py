"""PyTorch reference definitions of SPGNet and SGCPNet, ONNX export and synthetic training.

Run from the repository root with Debian's interpreter, e.g.
    /usr/bin/python3 -m export.torch.export --list
See README.md in this directory for the architecture choices.

Inside this package `import torch` still resolves to the real PyTorch: Python 3 imports are
absolute, and this package is only importable as `export.torch`.
"""
