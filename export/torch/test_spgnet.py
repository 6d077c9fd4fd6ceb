"""SPGNet: parameter and MAC counts against the paper's tables, SPG variants, AP, aux logits.

Run from the repository root:  /usr/bin/python3 -m unittest discover -s export/torch -t .
"""

import unittest

import torch
import torch.nn.functional as F

from export.torch import archs
from export.torch.spgnet import SPG_MODES, ContextPool, SPGNet
from export.torch.stats import count_macs, count_params

torch.set_num_threads(1)


def pct(ours, paper):
    return 100.0 * (ours - paper) / paper


class PaperCounts(unittest.TestCase):
    """Every #Params / #FLOPs row of Tables 3, 5, 6, 7, 9 (paper FLOPs are MACs)."""

    @classmethod
    def setUpClass(cls):
        cls.rows = []
        for name, p_params, p_flops, _ in archs.PAPER_ROWS:
            m = archs.build(name)
            cls.rows.append((name, p_params, p_flops, count_params(m),
                             count_macs(m, 1024, 2048), count_macs(m, 1025, 2049)))

    def test_params_within_3_percent(self):
        for name, p_params, _, params, _, _ in self.rows:
            with self.subTest(arch=name):
                self.assertLess(abs(pct(params / 1e6, p_params)), 3.0,
                                f"{name}: {params} params vs paper {p_params}M")

    def test_params_round_to_paper_within_a_tenth_of_a_million(self):
        # tighter than the 3% target: the chosen reading reproduces the printed values
        for name, p_params, _, params, _, _ in self.rows:
            with self.subTest(arch=name):
                self.assertLessEqual(abs(params / 1e6 - p_params), 0.1, name)

    def test_macs_at_1024x2048_within_3_percent(self):
        for name, _, p_flops, _, macs, _ in self.rows:
            with self.subTest(arch=name):
                self.assertLess(abs(pct(macs / 1e9, p_flops)), 3.0,
                                f"{name}: {macs / 1e9:.1f}B MACs vs paper {p_flops}B")

    def test_macs_at_1025x2049_match_paper(self):
        # the paper's column matches feature maps of a 1025x2049 input (65x129 at 1/16): the
        # R50 -> R101 -> R152 steps (more layer3/layer2 bottlenecks) only fit that size
        for name, _, p_flops, _, _, macs in self.rows:
            with self.subTest(arch=name):
                self.assertLess(abs(pct(macs / 1e9, p_flops)), 0.1,
                                f"{name}: {macs / 1e9:.2f}B MACs at 1025x2049 vs paper {p_flops}B")

    def test_encoder_is_torchvision_resnet(self):
        import torchvision

        m = archs.build("spgnet-r50-1s-128")
        ref = torchvision.models.resnet50(weights=None)
        enc = sum(p.numel() for n, p in ref.named_parameters() if not n.startswith("fc."))
        self.assertEqual(count_params(m.encoders[0]), enc)


class Table3Variants(unittest.TestCase):
    def test_params_and_macs(self):
        for kwargs, p_params, p_flops in archs.PAPER_TABLE3:
            with self.subTest(**kwargs):
                m = SPGNet(18, 2, 128, train_crop=archs.PAPER_TRAIN_CROP, **kwargs)
                self.assertLess(abs(pct(count_params(m) / 1e6, p_params)), 3.0)
                # the paper prints 218.0B for 'sum' too; ours lacks the D x D transform there
                self.assertLess(abs(pct(count_macs(m, 1025, 2049) / 1e9, p_flops)), 1.5)

    def test_spg_variants_run(self):
        x = torch.randn(2, 3, 64, 96)
        for mode in SPG_MODES:
            for identity in (True, False):
                if mode == "none" and not identity:
                    continue
                for sup in (True, False):
                    with self.subTest(mode=mode, identity=identity, supervision=sup):
                        torch.manual_seed(0)
                        m = SPGNet("micro", 2, 32, spg=mode, identity=identity, supervision=sup)
                        m.train()
                        out, aux = m(x)
                        self.assertEqual(tuple(out.shape), (2, 19, 64, 96))
                        want_aux = 1 if (sup and mode != "none") else 0
                        self.assertEqual(len(aux), want_aux)
                        m.eval()
                        with torch.no_grad():
                            y = m(x)
                        self.assertEqual(tuple(y.shape), (2, 19, 64, 96))
                        self.assertTrue(torch.isfinite(y).all())

    def test_none_without_identity_is_refused(self):
        with self.assertRaises(ValueError):
            SPGNet(18, 2, 128, spg="none", identity=False)

    def test_sigmoid_spg_computes_the_paper_formula(self):
        torch.manual_seed(0)
        m = SPGNet("micro", 2, 32).eval()
        spg = m.spgs[0]
        xd = torch.randn(1, 32, 5, 6)
        with torch.no_grad():
            y, logits = spg(xd)
            want_logits = F.conv2d(xd, spg.logits.weight, spg.logits.bias)
            mask = torch.sigmoid(F.conv2d(want_logits, spg.attention.weight, spg.attention.bias))
            t = spg.transform(xd)
            want = spg.out(xd + mask * t)
        self.assertTrue(torch.allclose(logits, want_logits, atol=1e-6))
        self.assertTrue(torch.allclose(y, want, atol=1e-6))
        self.assertEqual(y.shape[1], m.encoders[1].in_channels)

    def test_softmax_is_spatial(self):
        torch.manual_seed(0)
        spg = SPGNet("micro", 2, 32, spg="softmax").spgs[0].eval()
        xd = torch.randn(1, 32, 4, 5)
        with torch.no_grad():
            g = spg.attention(spg.logits(xd))
            m = torch.softmax(g.flatten(2), -1).view_as(g)
            self.assertTrue(torch.allclose(m.sum((2, 3)), torch.ones(1, 32), atol=1e-5))
            want = spg.out(xd + m * spg.transform(xd))
            y, _ = spg(xd)
        self.assertTrue(torch.allclose(y, want, atol=1e-6))


class StagesAndAux(unittest.TestCase):
    def test_training_mode_returns_aux_logits_per_previous_stage(self):
        x = torch.randn(2, 3, 64, 128)
        for stages in (1, 2, 3):
            with self.subTest(stages=stages):
                torch.manual_seed(0)
                m = SPGNet(18, stages, 128).train()
                out, aux = m(x)
                self.assertEqual(tuple(out.shape), (2, 19, 64, 128))
                self.assertEqual(len(aux), stages - 1)
                for a in aux:  # the SPG logits x_l, at the decoder's stride 4
                    self.assertEqual(tuple(a.shape), (2, 19, 16, 32))
                loss = out.mean() + sum(a.mean() for a in aux)
                loss.backward()
                for s in range(stages - 1):
                    self.assertIsNotNone(m.spgs[s].logits.weight.grad)

    def test_eval_returns_full_resolution_logits(self):
        for h, w in ((64, 128), (70, 100)):
            with self.subTest(size=(h, w)):
                m = SPGNet(18, 2, 128, train_crop=(64, 64)).eval()
                with torch.no_grad():
                    y = m(torch.randn(1, 3, h, w))
                self.assertEqual(tuple(y.shape), (1, 19, h, w))

    def test_later_stages_have_no_stem(self):
        m = SPGNet(50, 2, 256)
        self.assertIsNotNone(m.encoders[0].stem)
        self.assertIsNone(m.encoders[1].stem)
        self.assertEqual(m.spgs[0].out[0].out_channels, 64)

    def test_csfa_feeds_every_scale(self):
        m = SPGNet(50, 2, 128)
        self.assertEqual([c[0].out_channels for c in m.csfa[0].enc], [256, 512, 1024, 2048])
        self.assertEqual([c[0].in_channels for c in m.csfa[0].dec], [128] * 4)
        self.assertIsNone(SPGNet(18, 2, 128, csfa=False).csfa)


class AveragePoolingAtInference(unittest.TestCase):
    def test_kernel_is_ceil_of_crop_over_stride_clamped(self):
        p = ContextPool(32, (769, 769))
        self.assertEqual(p.kernel(32, 64), (25, 25))
        self.assertEqual(p.kernel(8, 16), (8, 16))
        self.assertEqual(ContextPool(32, (256, 256)).kernel(8, 16), (8, 8))

    def test_sliding_mean_with_edge_padding(self):
        torch.manual_seed(0)
        x = torch.randn(1, 2, 5, 7)
        p = ContextPool(32, (3 * 32, 4 * 32)).eval()  # kernel 3x4
        y = p.restore(p(x), x)
        self.assertEqual(tuple(y.shape), (1, 2, 5, 7))
        kh, kw = 3, 4
        for i in range(5):
            for j in range(7):
                r0 = min(max(i - (kh - 1) // 2, 0), 5 - kh)
                c0 = min(max(j - (kw - 1) // 2, 0), 7 - kw)
                want = x[0, :, r0:r0 + kh, c0:c0 + kw].mean((1, 2))
                self.assertTrue(torch.allclose(y[0, :, i, j], want, atol=1e-6), (i, j))

    def test_training_uses_global_pooling(self):
        x = torch.randn(2, 3, 4, 6)
        p = ContextPool(32, (64, 64)).train()
        self.assertTrue(torch.allclose(p(x), x.mean((2, 3), keepdim=True), atol=1e-6))

    def test_ap_equals_gap_when_kernel_covers_the_map(self):
        torch.manual_seed(0)
        m = SPGNet("micro", 2, 32).eval()
        x = torch.randn(1, 3, 64, 128)  # 2x4 at 1/32
        with torch.no_grad():
            gap = m(x)
            m.set_train_crop((64, 128))  # kernel 2x4 = whole map
            ap = m(x)
            m.set_train_crop((4096, 4096))  # clamped to the whole map
            ap_clamped = m(x)
            m.set_train_crop((32, 32))  # 1x1 kernel: differs from global pooling
            local = m(x)
        self.assertTrue(torch.allclose(gap, ap, atol=1e-5))
        self.assertTrue(torch.allclose(gap, ap_clamped, atol=1e-5))
        self.assertFalse(torch.allclose(gap, local, atol=1e-3))

    def test_ap_matches_gap_on_crops_of_the_training_size(self):
        # the point of AP: at each position the context is the mean over a training-crop window
        torch.manual_seed(0)
        m = SPGNet("micro", 1, 32, train_crop=(64, 64)).eval()
        x = torch.randn(1, 3, 64, 128)
        with torch.no_grad():
            feats = []
            f = m.encoders[0].stem(x)
            for layer in m.encoders[0].layers():
                f = layer(f)
                feats.append(f)
            pool = m.decoders[0].pool
            ap = pool.restore(pool(feats[-1]), feats[-1])  # (1, C, 2, 4), kernel 2x2
            left = feats[-1][..., :, 0:2].mean((2, 3))
        self.assertTrue(torch.allclose(ap[..., 0, 0], left, atol=1e-6))


class Micro(unittest.TestCase):
    def test_micro_is_small_and_two_stage(self):
        m = archs.build("spgnet-micro")
        self.assertEqual(m.stages, 2)
        self.assertEqual(m.spgs[0].mode, "sigmoid")
        self.assertLess(count_params(m) * 4, 5 * 1000 * 1000)
        self.assertEqual(m.decoders[0].pool.train_crop, archs.MICRO_TRAIN_CROP)


if __name__ == "__main__":
    unittest.main()
