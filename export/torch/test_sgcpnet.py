"""SGCPNet: exact parameter sub-counts, output shape, exported swish/upsampling patterns."""

import collections
import os
import tempfile
import unittest

import onnx
import torch

from export.torch import archs
from export.torch.export import export_model
from export.torch.sgcpnet import SGCPNet
from export.torch.stats import count_macs, count_params

torch.set_num_threads(1)


class Counts(unittest.TestCase):
    def test_total(self):
        self.assertEqual(count_params(SGCPNet()), archs.SGCPNET_PARAMS)

    def test_subcounts(self):
        m = SGCPNet()
        for part, want in archs.SGCPNET_SUBCOUNTS.items():
            with self.subTest(part=part):
                self.assertEqual(count_params(getattr(m, part)), want)

    def test_not_torchvision_mobilenet(self):
        import torchvision

        tv = torchvision.models.mobilenet_v3_small(weights=None).features[:12]
        self.assertNotEqual(count_params(tv), archs.SGCPNET_SUBCOUNTS["backbone"])

    def test_backbone_taps(self):
        m = SGCPNet().eval()
        with torch.no_grad():
            taps = m.backbone(torch.zeros(1, 3, 256, 512))
        self.assertEqual([tuple(t.shape[1:]) for t in taps], [(24, 32, 64), (48, 16, 32), (96, 8, 16)])

    def test_macs_are_counted(self):
        # no paper FLOPs to compare; recorded in README.md. Conv MACs scale with the area.
        m = SGCPNet()
        a, b = count_macs(m, 768, 1536), count_macs(m, 384, 768)
        self.assertAlmostEqual(a / b, 4.0, delta=0.05)


class Forward(unittest.TestCase):
    def test_full_resolution_logits(self):
        m = SGCPNet().eval()
        for h, w in ((64, 128), (72, 136), (100, 60)):
            with self.subTest(size=(h, w)):
                with torch.no_grad():
                    y = m(torch.randn(2, 3, h, w))
                self.assertEqual(tuple(y.shape), (2, 19, h, w))

    def test_trains(self):
        torch.manual_seed(0)
        m = SGCPNet().train()
        x, t = torch.randn(2, 3, 64, 64), torch.randint(0, 19, (2, 64, 64))
        loss = torch.nn.functional.cross_entropy(m(x), t)
        loss.backward()
        self.assertIsNotNone(m.context1.top_down.nodes[0].weight.grad)
        self.assertIsNotNone(m.backbone.stem[0].weight.grad)


class Exported(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        path = os.path.join(cls.tmp.name, "sgcpnet.onnx")
        export_model(SGCPNet(), path, 64, 128)
        cls.model = onnx.load(path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_swish_is_sigmoid_times_input(self):
        g = self.model.graph
        consumers = collections.defaultdict(list)
        for n in g.node:
            for i in n.input:
                consumers[i].append(n)
        sig = [n for n in g.node if n.op_type == "Sigmoid"]
        self.assertEqual(len(sig), 12)  # 4 + 4 fusion nodes in pass 1, 4 in pass 2
        for s in sig:
            muls = [c for c in consumers[s.output[0]] if c.op_type == "Mul"]
            self.assertEqual(len(muls), 1, s.name)
            self.assertIn(s.input[0], muls[0].input)
        self.assertFalse([n for n in g.node if n.op_type in ("Swish", "SiLU")])

    def test_decoder_upsampling_is_nearest_output_is_bilinear(self):
        modes = []
        for n in self.model.graph.node:
            if n.op_type == "Resize":
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
                modes.append(attrs["mode"].decode())
        self.assertEqual(modes.count("linear"), 1)
        self.assertEqual(modes.count("nearest"), len(modes) - 1)
        self.assertGreaterEqual(len(modes), 9)

    def test_output(self):
        out = self.model.graph.output[0]
        self.assertEqual(out.name, "logits")
        dims = [d.dim_value for d in out.type.tensor_type.shape.dim]
        self.assertEqual(dims, [1, 19, 64, 128])


if __name__ == "__main__":
    unittest.main()
