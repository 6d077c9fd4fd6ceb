"""The export CLI: names, usage errors, atomic writes, graph contents, weights."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import numpy_helper
import torch

from export.torch import archs
from export.torch.export import main as export_main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.set_num_threads(1)


def cli(*args):
    """Runs the module the way users do (from the repository root, Debian's python)."""
    r = subprocess.run([sys.executable, "-m", "export.torch.export", *args], cwd=REPO,
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def ops(model):
    return [n.op_type for n in model.graph.node]


class Usage(unittest.TestCase):
    def test_list(self):
        code, out, err = cli("--list")
        self.assertEqual(code, 0, err)
        names = out.split()
        self.assertEqual(names, archs.names())
        for want in ("spgnet-r18-2s-128", "spgnet-r152-1s-128", "spgnet-r101-2s-256",
                     "spgnet-r18-3s-128", "spgnet-micro", "sgcpnet"):
            self.assertIn(want, names)
        for row in archs.PAPER_ROWS:
            self.assertIn(row[0], names)

    def test_bad_usage_exits_2_with_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "m.onnx")
            cases = [
                ["--arch", "spgnet-r34-1s-128", "--height", "64", "--width", "64", "--out", out],
                ["--arch", "sgcpnet", "--height", "64", "--width", "64"],
                ["--arch", "spgnet-micro", "--height", "64", "--width", "64", "--out", out,
                 "--train-crop", "12by5"],
                ["--arch", "sgcpnet", "--height", "64", "--width", "64", "--out", out, "--opset", "9"],
                ["--arch", "sgcpnet", "--height", "64", "--width", "64", "--out", out, "--spg", "sum"],
                ["--arch", "sgcpnet", "--height", "16", "--width", "64", "--out", out],
                ["--arch", "sgcpnet", "--height", "64", "--width", "64", "--out", out + ".bin"],
                ["--arch", "sgcpnet", "--height", "x", "--width", "64", "--out", out],
                ["--bogus"],
            ]
            for args in cases:
                with self.subTest(args=args):
                    code, _, err = self.run_inproc(args)
                    self.assertEqual(code, 2, err)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertIn("usage error", err)
            self.assertEqual(os.listdir(d), [])

    def test_errors_exit_1_with_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            cases = [
                ["--arch", "spgnet-micro", "--height", "64", "--width", "64",
                 "--out", os.path.join(d, "m.onnx"), "--weights", os.path.join(d, "missing.pt")],
                ["--arch", "spgnet-micro", "--height", "64", "--width", "64",
                 "--out", os.path.join(d, "no", "such", "dir", "m.onnx")],
            ]
            for args in cases:
                with self.subTest(args=args):
                    code, _, err = self.run_inproc(args)
                    self.assertEqual(code, 1, err)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertEqual(os.listdir(d), [])

    def test_wrong_weights_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            w = os.path.join(d, "sgcp.pt")
            torch.save(archs.build("sgcpnet").state_dict(), w)
            code, _, err = self.run_inproc(["--arch", "spgnet-micro", "--height", "64", "--width", "64",
                                            "--out", os.path.join(d, "m.onnx"), "--weights", w])
            self.assertEqual(code, 1)
            self.assertIn("do not fit", err)
            self.assertEqual(sorted(os.listdir(d)), ["sgcp.pt"])

    def run_inproc(self, args):
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = export_main(args)
        return code, out.getvalue(), err.getvalue()


class Graphs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_micro_fixture_size_and_patterns(self):
        out = self.path("micro.onnx")
        code, stdout, err = cli("--arch", "spgnet-micro", "--height", "256", "--width", "512",
                                "--opset", "17", "--out", out)
        self.assertEqual(code, 0, err)
        self.assertIn("wrote", stdout)
        self.assertLess(os.path.getsize(out), 5 * 1000 * 1000)
        m = onnx.load(out)
        onnx.checker.check_model(m)
        self.assertEqual(m.opset_import[0].version, 17)
        self.assertEqual([d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim], [1, 3, 256, 512])
        meta = {p.key: p.value for p in m.metadata_props}
        self.assertEqual(meta["segtrt.train_crop"], "128x256")
        self.assertEqual(meta["segtrt.arch"], "spgnet-micro")
        pools = [n for n in m.graph.node if n.op_type == "AveragePool"]
        self.assertEqual(len(pools), 2)  # one per stage
        for n in pools:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            self.assertEqual(list(attrs["kernel_shape"]), [4, 8])
            self.assertEqual(list(attrs["strides"]), [1, 1])
        edge = [n for n in m.graph.node if n.op_type == "Pad"
                and any(a.name == "mode" and a.s == b"edge" for a in n.attribute)]
        self.assertEqual(len(edge), 2)
        self.assertNotIn("GlobalAveragePool", ops(m))
        # SPG: Add(x, Mul(Sigmoid(g), t))
        prod = {o: n for n in m.graph.node for o in n.output}
        sig = [n for n in m.graph.node if n.op_type == "Sigmoid"]
        self.assertEqual(len(sig), 1)
        mul = [n for n in m.graph.node if n.op_type == "Mul" and sig[0].output[0] in n.input]
        self.assertEqual(len(mul), 1)
        add = [n for n in m.graph.node if n.op_type == "Add" and mul[0].output[0] in n.input]
        self.assertEqual(len(add), 1)
        self.assertEqual(prod[sig[0].input[0]].op_type, "Conv")
        self.assertEqual([f for f in os.listdir(self.tmp.name) if f.endswith(".tmp")], [])

    def test_gap_export_and_dynamic_axes(self):
        out = self.path("r18.onnx")
        code, _, err = cli("--arch", "spgnet-r18-1s-128", "--height", "64", "--width", "128",
                           "--dynamic", "--train-crop", "none", "--out", out)
        self.assertEqual(code, 0, err)
        m = onnx.load(out)
        onnx.checker.check_model(m)
        dims = m.graph.input[0].type.tensor_type.shape.dim
        self.assertEqual([d.dim_param for d in dims], ["batch", "", "height", "width"])
        self.assertEqual(dims[1].dim_value, 3)
        out_dims = m.graph.output[0].type.tensor_type.shape.dim
        self.assertEqual(out_dims[0].dim_param, "batch")
        self.assertIn("GlobalAveragePool", ops(m))
        self.assertNotIn("AveragePool", ops(m))
        # params as segtrt counts them: initializer elements (BatchNorm folded into convs)
        n = sum(int(np.prod(i.dims)) for i in m.graph.initializer)
        self.assertLess(abs(n / 11.7e6 - 1), 0.03, n)
        self.assertEqual({p.key: p.value for p in m.metadata_props}["segtrt.input_size"], "dynamic")

    def test_weights_are_used(self):
        torch.manual_seed(123)
        model = archs.build("spgnet-micro")
        w = self.path("micro.pt")
        torch.save({"state_dict": model.state_dict()}, w)
        out = self.path("micro-w.onnx")
        code, _, err = cli("--arch", "spgnet-micro", "--height", "64", "--width", "128",
                           "--weights", w, "--out", out)
        self.assertEqual(code, 0, err)
        m = onnx.load(out)
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        self.assertIn("classifier.weight", inits)
        np.testing.assert_array_equal(inits["classifier.weight"], model.classifier.weight.detach().numpy())

    def test_ablation_flags(self):
        out = self.path("sum.onnx")
        code, _, err = cli("--arch", "spgnet-micro", "--height", "64", "--width", "64",
                           "--spg", "sum", "--no-csfa", "--out", out)
        self.assertEqual(code, 0, err)
        self.assertNotIn("Sigmoid", ops(onnx.load(out)))


class AllNamesBuild(unittest.TestCase):
    def test_every_listed_name_builds(self):
        for name in archs.names():
            with self.subTest(arch=name):
                m = archs.build(name)
                self.assertGreater(sum(p.numel() for p in m.parameters()), 0)
                del m


if __name__ == "__main__":
    unittest.main()
