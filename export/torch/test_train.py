"""Data reading, preprocessing, the Cityscapes mIoU rule and the training script (on a tiny
hand-made data set; the real fixtures come from `segtrt dataset synth`)."""

import contextlib
import io
import json
import os
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from export.torch import cityscapes, toydata
from export.torch.train_synthetic import main as train_main

torch.set_num_threads(1)


class MIoURule(unittest.TestCase):
    def test_confusion_skips_ignore(self):
        label = np.array([[0, 0, 1, 255]], np.uint8)
        pred = np.array([[0, 1, 1, 0]], np.uint8)
        c = cityscapes.confusion(pred, label)
        self.assertEqual(c.sum(), 3)
        self.assertEqual(c[0, 0], 1)
        self.assertEqual(c[0, 1], 1)
        self.assertEqual(c[1, 1], 1)

    def test_iou_mean_over_classes_seen(self):
        c = np.zeros((19, 19), np.int64)
        c[0, 0], c[0, 1], c[1, 1] = 6, 2, 4  # class 0: 6/(6+0+2); class 1: 4/(4+2+0)
        c[2, 3] = 5  # class 2 never predicted, class 3 only predicted: both IoU 0
        miou, per = cityscapes.iou_from_confusion(c)
        self.assertAlmostEqual(per[0], 75.0)
        self.assertAlmostEqual(per[1], 100 * 4 / 6)
        self.assertEqual(per[2], 0.0)
        self.assertEqual(per[3], 0.0)
        self.assertTrue(all(p is None for p in per[4:]))
        self.assertAlmostEqual(miou, (75.0 + 100 * 4 / 6) / 4)

    def test_one_matrix_over_the_split_not_a_mean_of_images(self):
        a = cityscapes.confusion(np.zeros((1, 4), np.uint8), np.array([[0, 0, 0, 1]], np.uint8))
        b = cityscapes.confusion(np.ones((1, 4), np.uint8), np.array([[1, 1, 1, 1]], np.uint8))
        miou, _ = cityscapes.iou_from_confusion(a + b)
        self.assertAlmostEqual(miou, (75.0 + 80.0) / 2)


class Preprocess(unittest.TestCase):
    def test_normalisation_same_size(self):
        img = np.array([[[0, 128, 255], [10, 20, 30]]], np.uint8)  # 1x2 RGB
        x = cityscapes.preprocess(img)
        self.assertEqual(tuple(x.shape), (1, 3, 1, 2))
        self.assertEqual(x.dtype, torch.float32)
        for c in range(3):
            for j in range(2):
                want = (img[0, j, c] / 255.0 - cityscapes.MEAN[c]) / cityscapes.STD[c]
                self.assertAlmostEqual(float(x[0, c, 0, j]), want, places=5)

    def test_resize_is_bilinear_half_pixel_without_antialias(self):
        rng = np.random.default_rng(0)
        img = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
        x = cityscapes.preprocess(img, (16, 24))
        t = torch.from_numpy(img).permute(2, 0, 1)[None].float()
        want = F.interpolate(t, size=(16, 24), mode="bilinear", align_corners=False, antialias=False)
        want = (want / 255 - torch.tensor(cityscapes.MEAN).view(1, 3, 1, 1)) / torch.tensor(cityscapes.STD).view(1, 3, 1, 1)
        self.assertTrue(torch.allclose(x, want, atol=1e-5))
        # an upsample at the left edge clamps to the first pixel (half-pixel centres)
        up = cityscapes.preprocess(img[:1, :2], (1, 4))
        self.assertAlmostEqual(float(up[0, 0, 0, 0]), float(cityscapes.preprocess(img[:1, :1])[0, 0, 0, 0]), places=5)

    def test_small_logits_are_resized_before_argmax(self):
        class Half(torch.nn.Module):
            def forward(self, x):
                torch.manual_seed(0)
                return torch.randn(1, 19, x.shape[2] // 2, x.shape[3] // 2)

        img = np.zeros((8, 12, 3), np.uint8)
        pred = cityscapes.predict(Half(), img)
        torch.manual_seed(0)
        logits = torch.randn(1, 19, 4, 6)
        want = F.interpolate(logits, size=(8, 12), mode="bilinear", align_corners=False).argmax(1)[0]
        np.testing.assert_array_equal(pred, want.numpy())


class Layout(unittest.TestCase):
    def test_list_split_and_label_ids_mapping(self):
        with tempfile.TemporaryDirectory() as d:
            toydata.make(d, 4, 2, 32, 48, seed=1, label_ids_city="beta")
            entries = cityscapes.list_split(d, "train")
            self.assertEqual([e[0] for e in entries], sorted(e[0] for e in entries))
            kinds = {e[0].split("_")[0]: e[3] for e in entries}
            self.assertEqual(kinds, {"alpha": "trainIds", "beta": "labelIds"})
            for stem, ip, lp, kind in entries:
                lab = cityscapes.read_label(lp, kind)
                self.assertTrue(set(np.unique(lab)) <= set(range(19)) | {255})
                self.assertIn(0, np.unique(lab))  # road survives the labelIds -> trainIds table
            ids = np.array([[7, 26, 0, 33, 34]], np.uint8)
            p = os.path.join(d, "ids.png")
            Image.fromarray(ids).save(p)
            np.testing.assert_array_equal(cityscapes.read_label(p, "labelIds"), [[0, 13, 255, 18, 255]])

    def test_missing_label_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            toydata.make(d, 2, 1, 32, 48)
            for root, _, files in os.walk(os.path.join(d, "gtFine", "val")):
                for f in files:
                    os.remove(os.path.join(root, f))
            with self.assertRaises(cityscapes.DataError):
                cityscapes.list_split(d, "val")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def run_train(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = train_main(args)
    return code, out.getvalue(), err.getvalue()


class TrainScript(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = toydata.make(os.path.join(cls.tmp.name, "toy"), 12, 4, 64, 128, seed=0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out_dir(self, name):
        d = os.path.join(self.tmp.name, name)
        os.makedirs(d)
        return d

    def common(self, out, *extra):
        return ["--data", self.data, "--height", "64", "--width", "128", "--crop", "64x64",
                "--out-dir", out, "--log-every", "0", *extra]

    def test_writes_both_fixtures_and_records(self):
        out = self.out_dir("both")
        code, stdout, err = run_train(self.common(out, "--steps", "2", "--batch", "2"))
        self.assertEqual(code, 0, err)
        for arch in ("sgcpnet", "spgnet-micro"):
            with self.subTest(arch=arch):
                base = os.path.join(out, f"{arch}-64x128")
                self.assertTrue(os.path.exists(base + ".onnx"))
                rec = load_json(base + ".json")
                self.assertEqual(rec["arch"], arch)
                self.assertEqual(rec["input"], {"height": 64, "width": 128})
                self.assertEqual(rec["training"]["steps"], 2)
                self.assertEqual(rec["training"]["seed"], 0)
                self.assertEqual(rec["data"]["train_images"], 12)
                self.assertEqual(rec["data"]["val_images"], 4)
                self.assertTrue(0 <= rec["val"]["miou"] <= 100)
                self.assertEqual(len(rec["val"]["per_class_iou"]), 19)
        self.assertEqual(sorted(os.listdir(out)), sorted(
            ["sgcpnet-64x128.onnx", "sgcpnet-64x128.json", "spgnet-micro-64x128.onnx",
             "spgnet-micro-64x128.json"]))

    def test_same_seed_same_model(self):
        shas = []
        for i in range(2):
            out = self.out_dir(f"det{i}")
            code, _, err = run_train(self.common(out, "--arch", "spgnet-micro", "--steps", "3",
                                                 "--batch", "2"))
            self.assertEqual(code, 0, err)
            shas.append(load_json(os.path.join(out, "spgnet-micro-64x128.json"))["onnx_sha256"])
        self.assertEqual(shas[0], shas[1])

    def test_learns(self):
        out = self.out_dir("learn")
        code, _, err = run_train(self.common(out, "--arch", "spgnet-micro", "--steps", "60",
                                             "--batch", "4"))
        self.assertEqual(code, 0, err)
        rec = load_json(os.path.join(out, "spgnet-micro-64x128.json"))
        # an untrained model scores a few percent here; 60 steps get well above that
        self.assertGreater(rec["val"]["miou"], 25.0)

    def test_usage_errors(self):
        out = self.out_dir("usage")
        for args in (self.common(out, "--arch", "resnet"),
                     ["--data", os.path.join(self.tmp.name, "nope"), "--out-dir", out],
                     self.common(out, "--crop", "64"),
                     self.common(out, "--batch", "1")):
            with self.subTest(args=args):
                code, _, err = run_train(args)
                self.assertEqual(code, 2, err)
                self.assertEqual(len(err.strip().splitlines()), 1)
        self.assertEqual(os.listdir(out), [])


if __name__ == "__main__":
    unittest.main()
