"""A tiny hand-made Cityscapes-layout data set for tests (not the project's synthetic scenes,
which `segtrt dataset synth` makes). Street-like bands and boxes of eight classes, each with its
own colour plus noise, so a small model learns it in a few dozen steps.
"""

import os

import numpy as np
from PIL import Image

from .cityscapes import LABEL_TO_TRAIN

_TRAIN_TO_LABEL = {v: k for k, v in LABEL_TO_TRAIN.items()}
# trainId -> RGB
COLOURS = {0: (128, 64, 128), 1: (232, 35, 232), 2: (70, 70, 70), 5: (250, 250, 60),
           8: (40, 160, 35), 10: (70, 130, 200), 11: (220, 20, 60), 13: (10, 10, 160)}


def scene(rng, h, w):
    lab = np.full((h, w), 255, np.uint8)
    horizon = int(h * rng.uniform(0.35, 0.5))
    lab[:horizon] = 10
    split = int(w * rng.uniform(0.3, 0.7))
    top = int(horizon * rng.uniform(0.2, 0.6))
    lab[top:horizon, :split] = 2
    lab[top:horizon, split:] = 8
    lab[horizon:] = 0
    walk = horizon + int((h - horizon) * rng.uniform(0.15, 0.35))
    lab[horizon:walk, : w // 3] = 1
    cw, chh = int(w * rng.uniform(0.15, 0.3)), int(h * rng.uniform(0.12, 0.25))
    cx, cy = rng.integers(0, w - cw), rng.integers(horizon - chh // 2, h - chh)
    lab[cy:cy + chh, cx:cx + cw] = 13
    pw, ph = max(3, w // 24), int(h * rng.uniform(0.15, 0.3))
    px = rng.integers(0, w - pw)
    lab[horizon - ph // 2:horizon + ph // 2, px:px + pw] = 11
    qx = rng.integers(0, w - 2)
    lab[top // 2:horizon, qx:qx + 2] = 5
    lab[h - 2:, :] = 255  # an ignored strip, like the ego vehicle
    img = np.zeros((h, w, 3), np.float32)
    for k, c in COLOURS.items():
        img[lab == k] = c
    img[lab == 255] = (0, 0, 0)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), lab


def make(root, n_train=8, n_val=4, h=64, w=128, seed=0, label_ids_city=None):
    """Writes train and val splits under root. Images of city label_ids_city (if given) get
    *_gtFine_labelIds.png labels instead of labelTrainIds."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("val", n_val)):
        for i in range(n):
            city = "alpha" if i % 2 == 0 else "beta"
            stem = f"{city}_{i // 2:06d}_{19 + i:06d}"
            img, lab = scene(rng, h, w)
            idir = os.path.join(root, "leftImg8bit", split, city)
            ldir = os.path.join(root, "gtFine", split, city)
            os.makedirs(idir, exist_ok=True)
            os.makedirs(ldir, exist_ok=True)
            Image.fromarray(img).save(os.path.join(idir, stem + "_leftImg8bit.png"))
            if city == label_ids_city:
                ids = np.zeros_like(lab)  # 0 = unlabeled -> ignored
                for t, l in _TRAIN_TO_LABEL.items():
                    ids[lab == t] = l
                Image.fromarray(ids).save(os.path.join(ldir, stem + "_gtFine_labelIds.png"))
            else:
                Image.fromarray(lab).save(os.path.join(ldir, stem + "_gtFine_labelTrainIds.png"))
    return root
