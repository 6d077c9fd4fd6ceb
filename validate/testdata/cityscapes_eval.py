"""An independent check of segtrt's mIoU: Cityscapes' evaluation rule
computed with numpy from the *_pred_labelIds.png files segtrt saved and the
data set's *_gtFine_labelIds.png files.

    /usr/bin/python3 cityscapes_eval.py PRED_DIR DATA_ROOT SPLIT

Prints JSON: {"miou": percent, "per_class": [percent or null] * 19, "images": n}.
"""
import glob
import json
import os
import sys

import numpy as np
from PIL import Image

# Cityscapes label id -> trainId for the 19 evaluated classes; every other
# id is ignored.
ID_TO_TRAIN = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
               23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}


def to_train(ids):
    lut = np.full(256, 255, dtype=np.uint8)
    for i, t in ID_TO_TRAIN.items():
        lut[i] = t
    return lut[ids]


def main(pred_dir, root, split):
    conf = np.zeros((19, 19), dtype=np.int64)
    preds = sorted(glob.glob(os.path.join(pred_dir, "*_pred_labelIds.png")))
    for p in preds:
        stem = os.path.basename(p)[: -len("_pred_labelIds.png")]
        city = stem.split("_")[0]
        gt = np.array(Image.open(os.path.join(root, "gtFine", split, city, stem + "_gtFine_labelIds.png")))
        pred = np.array(Image.open(p))
        assert gt.shape == pred.shape, (p, gt.shape, pred.shape)
        g, q = to_train(gt).ravel(), to_train(pred).ravel()
        keep = g != 255
        assert (q[keep] != 255).all(), "prediction holds an ignored id"
        conf += np.bincount(g[keep].astype(np.int64) * 19 + q[keep], minlength=361).reshape(19, 19)
    tp = np.diag(conf).astype(np.float64)
    denom = conf.sum(0) + conf.sum(1) - np.diag(conf)
    per_class = [None if d == 0 else 100.0 * t / d for t, d in zip(tp, denom)]
    present = [v for v in per_class if v is not None]
    print(json.dumps({"miou": sum(present) / len(present), "per_class": per_class, "images": len(preds)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
