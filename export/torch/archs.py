"""Named architectures: what `export --arch` accepts, plus the paper's reference numbers.

spgnet-r{18,50,101,152}-{1,2,3}s-{128,256}: SPGNet, torchvision ResNet encoder, stages, width.
spgnet-rA+rB-2s-128: Table 6's mixed encoders (A in stage 1, B in stage 2).
spgnet-micro: width-reduced 2-stage SPGNet (BasicBlock trunk 16/32/64/128, decoder 64, SPG, AP),
    the fixture trained on synthetic data.
sgcpnet: SGCPNet (the block table in export/torch/README.md).
"""

import re

from .sgcpnet import SGCPNet
from .spgnet import SPG_MODES, SPGNet

# Cityscapes models were trained on 769x769 crops (paper, appendix A): AP kernel ceil(769/32)=25.
PAPER_TRAIN_CROP = (769, 769)
MICRO_TRAIN_CROP = (128, 256)  # the fixture's training crop: AP kernel 4x8 on an 8x16 map
MICRO_WIDTH = 64

_SPG_RE = re.compile(r"^spgnet-r(18|50|101|152)-([123])s-(128|256)$")

# Paper rows: (arch, paper #Params in millions, paper #FLOPs in billions, source).
# Table 6's mixed-encoder rows use a backbone pair, named here "spgnet-r18+r50-2s-128" etc.
PAPER_ROWS = [
    ("spgnet-r18-1s-128", 11.7, 107.6, "Tables 3, 5, 7"),
    ("spgnet-r18-2s-128", 23.9, 218.0, "Tables 3, 5, 6, 7"),
    ("spgnet-r18-3s-128", 36.2, 328.5, "Table 5"),
    ("spgnet-r50-1s-128", 24.7, 212.9, "Table 7"),
    ("spgnet-r101-1s-128", 43.7, 371.7, "Table 7"),
    ("spgnet-r152-1s-128", 59.4, 530.1, "Table 7"),
    ("spgnet-r50-2s-128", 55.6, 467.6, "Tables 6, 7, 9"),
    ("spgnet-r101-2s-128", 93.5, 785.3, "Tables 7, 9"),
    ("spgnet-r50-2s-256", 59.8, 654.8, "Tables 1, 9"),
    ("spgnet-r101-2s-256", 97.8, 972.4, "Table 9"),
    ("spgnet-r18+r50-2s-128", 38.4, 336.0, "Table 6"),
    ("spgnet-r50+r18-2s-128", 38.0, 329.9, "Table 6"),
]
# Table 3 ablations (ResNet-18, 2 stages, 128 channels): SPG keyword arguments -> paper FLOPs.
PAPER_TABLE3 = [
    (dict(spg="none"), 23.9, 215.5),
    (dict(spg="sum"), 23.9, 218.0),
    (dict(spg="softmax"), 23.9, 218.0),
    (dict(spg="sigmoid"), 23.9, 218.0),
    (dict(spg="sigmoid", identity=False), 23.9, 218.0),
    (dict(spg="sigmoid", supervision=False), 23.9, 218.0),
]

SGCPNET_PARAMS = 607826
SGCPNET_SUBCOUNTS = {
    "backbone": 431180, "laterals": 37528, "context1": 118419, "context2": 19464,
    "classifier": 1235,
}


def names():
    out = [f"spgnet-r{d}-{s}s-{w}" for d in (18, 50, 101, 152) for s in (1, 2, 3) for w in (128, 256)]
    return out + ["spgnet-r18+r50-2s-128", "spgnet-r50+r18-2s-128", "spgnet-micro", "sgcpnet"]


def is_spgnet(name):
    return name.startswith("spgnet-")


def default_train_crop(name):
    if name == "sgcpnet":
        return None
    if name == "spgnet-micro":
        return MICRO_TRAIN_CROP
    return PAPER_TRAIN_CROP


def build(name, train_crop="default", **spg_kwargs):
    """Builds an architecture by name. train_crop: (h, w), None (global pooling at inference)
    or "default". spg_kwargs (spg, identity, supervision, csfa, fuse_blocks) go to SPGNet."""
    if train_crop == "default":
        train_crop = default_train_crop(name)
    if name == "sgcpnet":
        if spg_kwargs:
            raise ValueError(f"sgcpnet takes no SPG options (got {sorted(spg_kwargs)})")
        return SGCPNet()
    if name == "spgnet-micro":
        return SPGNet("micro", 2, MICRO_WIDTH, train_crop=train_crop, **spg_kwargs)
    m = _SPG_RE.match(name)
    mixed = re.match(r"^spgnet-r(18|50|101|152)\+r(18|50|101|152)-2s-(128|256)$", name)
    if m:
        return SPGNet(int(m.group(1)), int(m.group(2)), int(m.group(3)), train_crop=train_crop,
                      **spg_kwargs)
    if mixed:
        return SPGNet((int(mixed.group(1)), int(mixed.group(2))), 2, int(mixed.group(3)),
                      train_crop=train_crop, **spg_kwargs)
    raise ValueError(f"unknown architecture {name!r} (see --list)")


__all__ = ["names", "build", "is_spgnet", "default_train_crop", "PAPER_ROWS", "PAPER_TABLE3",
           "SGCPNET_PARAMS", "SGCPNET_SUBCOUNTS", "SPG_MODES"]
