"""Cityscapes-layout data for training and evaluating in PyTorch.

Layout: leftImg8bit/{split}/{city}/{city}_{seq:06}_{frame:06}_leftImg8bit.png with
gtFine/{split}/{city}/{stem}_gtFine_labelTrainIds.png (trainIds 0..18, 255 = ignore), or
{stem}_gtFine_labelIds.png mapped through the Cityscapes table when no trainIds file exists.

Preprocessing (the same as segtrt's): bilinear resize to the model input (align_corners=False,
no antialiasing) only when the sizes differ, RGB, x/255, ImageNet mean/std, NCHW float32.
Evaluation: one confusion matrix over the split at ground-truth resolution (logits smaller than
the label are resized bilinearly, align_corners=False, before argmax); IoU = TP/(TP+FP+FN);
mIoU = mean over the classes with TP+FP+FN > 0.
"""

import os
import re

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

NUM_CLASSES = 19
IGNORE = 255
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
CLASS_NAMES = (
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
    "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
    "motorcycle", "bicycle")
# label id -> trainId (every other id -> 255)
LABEL_TO_TRAIN = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
                  24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}

IMAGE_SUFFIX = "_leftImg8bit.png"
TRAIN_IDS_SUFFIX = "_gtFine_labelTrainIds.png"
LABEL_IDS_SUFFIX = "_gtFine_labelIds.png"
_STEM_RE = re.compile(r"^[^/]+_\d{6}_\d{6}$")


class DataError(Exception):
    pass


def list_split(root, split):
    """Sorted [(stem, image path, label path, 'trainIds'|'labelIds')] of one split."""
    img_dir = os.path.join(root, "leftImg8bit", split)
    lbl_dir = os.path.join(root, "gtFine", split)
    if not os.path.isdir(img_dir):
        raise DataError(f"{img_dir}: no such directory")
    out = []
    for city in sorted(os.listdir(img_dir)):
        cdir = os.path.join(img_dir, city)
        if not os.path.isdir(cdir):
            continue
        for name in sorted(os.listdir(cdir)):
            if not name.endswith(IMAGE_SUFFIX):
                continue
            stem = name[: -len(IMAGE_SUFFIX)]
            tid = os.path.join(lbl_dir, city, stem + TRAIN_IDS_SUFFIX)
            lid = os.path.join(lbl_dir, city, stem + LABEL_IDS_SUFFIX)
            if os.path.exists(tid):
                out.append((stem, os.path.join(cdir, name), tid, "trainIds"))
            elif os.path.exists(lid):
                out.append((stem, os.path.join(cdir, name), lid, "labelIds"))
            else:
                raise DataError(f"{os.path.join(cdir, name)}: no label in {os.path.join(lbl_dir, city)}")
    if not out:
        raise DataError(f"{img_dir}: no *{IMAGE_SUFFIX} images")
    out.sort(key=lambda e: e[0])
    return out


_LUT = np.full(256, IGNORE, dtype=np.uint8)
for _k, _v in LABEL_TO_TRAIN.items():
    _LUT[_k] = _v


def read_image(path):
    """uint8 HxWx3 RGB."""
    with Image.open(path) as im:
        return np.array(im.convert("RGB"), dtype=np.uint8)


def read_label(path, kind):
    """uint8 HxW trainIds (255 = ignore)."""
    with Image.open(path) as im:
        if im.mode not in ("L", "P", "I;16", "I"):
            raise DataError(f"{path}: label PNG has mode {im.mode}, want one channel")
        arr = np.asarray(im)
    if arr.dtype != np.uint8:
        arr = np.where(arr > 255, 255, arr).astype(np.uint8)
    if kind == "labelIds":
        return _LUT[arr]
    arr = arr.copy()
    arr[arr >= NUM_CLASSES] = IGNORE
    return arr


def preprocess(images, size=None):
    """uint8 NxHxWx3 (or HxWx3) RGB -> float32 NCHW tensor, resized to size=(h, w) if given."""
    x = torch.from_numpy(np.ascontiguousarray(images))
    if x.dim() == 3:
        x = x.unsqueeze(0)
    x = x.permute(0, 3, 1, 2).float()
    if size is not None and tuple(x.shape[-2:]) != tuple(size):
        x = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)
    x = x / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def confusion(pred, label, n=NUM_CLASSES):
    """n x n int64 confusion matrix, rows = ground truth; pixels labelled 255 are skipped."""
    pred = np.asarray(pred).ravel().astype(np.int64)
    label = np.asarray(label).ravel().astype(np.int64)
    keep = label != IGNORE
    return np.bincount(label[keep] * n + pred[keep], minlength=n * n).reshape(n, n)


def iou_from_confusion(conf):
    """(mIoU in percent, per-class IoU list with None where TP+FP+FN == 0)."""
    conf = np.asarray(conf, dtype=np.float64)
    tp = np.diag(conf)
    denom = conf.sum(0) + conf.sum(1) - tp
    per = [None if d == 0 else 100.0 * t / d for t, d in zip(tp, denom)]
    valid = [v for v in per if v is not None]
    miou = float(np.mean(valid)) if valid else 0.0
    return miou, per


def predict(model, image, input_size=None):
    """argmax trainIds at the image's own size for one uint8 HxWx3 image (model in eval mode)."""
    h, w = image.shape[:2]
    with torch.no_grad():
        logits = model(preprocess(image, input_size))
        if tuple(logits.shape[-2:]) != (h, w):
            logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
        return logits.argmax(1)[0].numpy().astype(np.uint8)


def evaluate(model, entries, input_size=None):
    """Cityscapes evaluation of model over entries from list_split(); returns
    (mIoU percent, per-class IoU, confusion matrix)."""
    model.eval()
    conf = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    for stem, img_path, lbl_path, kind in entries:
        image = read_image(img_path)
        label = read_label(lbl_path, kind)
        if label.shape != image.shape[:2]:
            raise DataError(f"{lbl_path}: label {label.shape} and image {image.shape[:2]} sizes differ")
        conf += confusion(predict(model, image, input_size), label)
    miou, per = iou_from_confusion(conf)
    return miou, per, conf
