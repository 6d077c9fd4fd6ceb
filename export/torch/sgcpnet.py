"""SGCPNet (Hao et al., "Real-time Semantic Segmentation via Spatial-detail Guided Context
Propagation"), following the block table in export/torch/README.md (facts taken from the authors'
public model: 607,826 parameters).

    backbone  (431,180): MobileNetV3-Small-like. Stem conv3x3/2 3->16 + BN + h-swish, then
              inverted-residual blocks; every block has the 1x1 expansion conv (even when
              expand == in), the depthwise conv, the 1x1 projection + BN, then (if marked) an SE
              module on the block *output*: global average pool, 1x1 conv C->C/4 (no bias) + BN
              + ReLU, 1x1 conv C/4->C (no bias) + BN, hard-sigmoid, multiply. Residual only at
              stride 1 (1x1 conv + BN projection when in != out). No final 1x1 conv/classifier.
              Taps: after block 3 (1/8, 24 ch), block 8 (1/16, 48 ch), block 11 (1/32, 96 ch).
    laterals  (37,528): 1x1 convs with bias 24->40, 48->112, 96->320.
    context1  (118,419): BiFPN-style top-down + bottom-up pass at 64 channels over five
              levels P3..P7 (P6 = maxpool3x3/2(BN(conv1x1(P5 lateral))), P7 = maxpool(P6)).
              Each fusion node: fast normalised fusion w = relu(w) / (sum(relu(w)) + 1e-4),
              swish (x * sigmoid(x)), separable conv (depthwise 3x3 + pointwise 1x1 + BN).
              Coarse-to-fine inputs are nearest-upsampled; fine-to-coarse inputs max-pooled 3x3/2.
    context2  (19,464): a second top-down pass (P7 -> P3) over the first pass's outputs.
    classifier (1,235): 1x1 conv 64 -> 19 on P3 (1/8), then bilinear (align_corners=False)
              upsampling to the input size.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 19
FPN_WIDTH = 64
EPS_FUSE = 1e-4

# (kernel, in, expand, out, SE, activation, stride)
BLOCKS = (
    (3, 16, 16, 16, True, "relu", 2),
    (3, 16, 72, 24, False, "relu", 2),
    (3, 24, 88, 24, False, "relu", 1),
    (5, 24, 96, 40, True, "hswish", 2),
    (5, 40, 240, 40, True, "hswish", 1),
    (5, 40, 240, 40, True, "hswish", 1),
    (5, 40, 120, 48, True, "hswish", 1),
    (5, 48, 144, 48, True, "hswish", 1),
    (5, 48, 288, 96, True, "hswish", 2),
    (5, 96, 576, 96, True, "hswish", 1),
    (5, 96, 576, 96, True, "hswish", 1),
)
TAPS = (3, 8, 11)  # number of blocks run before each tapped feature (1/8, 1/16, 1/32)
LATERALS = ((24, 40), (48, 112), (96, 320))


def _act(name):
    return nn.ReLU(inplace=True) if name == "relu" else nn.Hardswish()


class Swish(nn.Module):
    """x * sigmoid(x), written out so ONNX gets Sigmoid + Mul."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        mid = channels // reduction
        self.fc1 = nn.Conv2d(channels, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.fc2 = nn.Conv2d(mid, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.relu(self.bn1(self.fc1(s)))
        s = F.hardsigmoid(self.bn2(self.fc2(s)))
        return x * s


class InvertedResidual(nn.Module):
    def __init__(self, kernel, cin, cexp, cout, se, act, stride):
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(cin, cexp, 1, bias=False), nn.BatchNorm2d(cexp), _act(act))
        self.depthwise = nn.Sequential(
            nn.Conv2d(cexp, cexp, kernel, stride, kernel // 2, groups=cexp, bias=False),
            nn.BatchNorm2d(cexp), _act(act))
        self.project = nn.Sequential(nn.Conv2d(cexp, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.se = SqueezeExcite(cout) if se else None
        self.residual = stride == 1
        self.shortcut = None
        if stride == 1 and cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x)))
        if self.se is not None:
            y = self.se(y)
        if self.residual:
            y = y + (x if self.shortcut is None else self.shortcut(x))
        return y


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.blocks = nn.ModuleList([InvertedResidual(*b) for b in BLOCKS])

    def forward(self, x):
        x = self.stem(x)
        taps = []
        for i, block in enumerate(self.blocks, start=1):
            x = block(x)
            if i in TAPS:
                taps.append(x)
        return taps


def _bn(c):
    # the public model's BiFPN uses these BatchNorm settings
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


def _conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 1), _bn(cout))


class SeparableConv(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.depthwise = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)
        self.pointwise = nn.Conv2d(c, c, 1)
        self.bn = _bn(c)

    def forward(self, x):
        return self.bn(self.pointwise(self.depthwise(x)))


class FusionNode(nn.Module):
    """conv(swish(sum_i w_i x_i)) with fast normalised fusion weights."""

    def __init__(self, n_inputs, c=FPN_WIDTH):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n_inputs))
        self.swish = Swish()
        self.conv = SeparableConv(c)

    def forward(self, inputs):
        w = F.relu(self.weight)
        w = w / (w.sum() + EPS_FUSE)
        acc = w[0] * inputs[0]
        for i in range(1, len(inputs)):
            acc = acc + w[i] * inputs[i]
        return self.conv(self.swish(acc))


def _up(x, ref):
    return F.interpolate(x, size=ref.shape[-2:], mode="nearest")


def _down(x, ref):
    y = F.max_pool2d(x, 3, 2, 1)
    if y.shape[-2:] != ref.shape[-2:]:
        y = F.interpolate(y, size=ref.shape[-2:], mode="nearest")
    return y


class TopDown(nn.Module):
    """P7 -> P3 pass: P_i' = node_i(P_i, up(P_{i+1}')), P7' = P7."""

    def __init__(self, c=FPN_WIDTH):
        super().__init__()
        self.nodes = nn.ModuleList([FusionNode(2, c) for _ in range(4)])  # P6, P5, P4, P3

    def forward(self, p):
        out = [None] * 5
        out[4] = p[4]
        for k, lvl in enumerate((3, 2, 1, 0)):
            out[lvl] = self.nodes[k]([p[lvl], _up(out[lvl + 1], p[lvl])])
        return out


class ContextFirst(nn.Module):
    """Input projections, extra levels P6/P7, a top-down then a bottom-up pass."""

    def __init__(self, in_channels=(40, 112, 320), c=FPN_WIDTH):
        super().__init__()
        c3, c4, c5 = in_channels
        self.p3_in = _conv_bn(c3, c)
        self.p4_in = _conv_bn(c4, c)
        self.p5_in = _conv_bn(c5, c)
        self.p6_in = _conv_bn(c5, c)  # followed by max pooling
        self.p4_in_bu = _conv_bn(c4, c)  # second projections, used by the bottom-up nodes
        self.p5_in_bu = _conv_bn(c5, c)
        self.top_down = TopDown(c)
        self.bu_nodes = nn.ModuleList(
            [FusionNode(3, c), FusionNode(3, c), FusionNode(3, c), FusionNode(2, c)])  # P4..P7

    def forward(self, feats):
        c3, c4, c5 = feats
        p6 = F.max_pool2d(self.p6_in(c5), 3, 2, 1)
        p7 = F.max_pool2d(p6, 3, 2, 1)
        p = [self.p3_in(c3), self.p4_in(c4), self.p5_in(c5), p6, p7]
        td = self.top_down(p)
        same = [None, self.p4_in_bu(c4), self.p5_in_bu(c5), p6, p7]
        out = [td[0]] + [None] * 4
        for k, lvl in enumerate((1, 2, 3)):
            out[lvl] = self.bu_nodes[k]([same[lvl], td[lvl], _down(out[lvl - 1], same[lvl])])
        out[4] = self.bu_nodes[3]([p7, _down(out[3], p7)])
        return out


class SGCPNet(nn.Module):
    def __init__(self, num_classes=NUM_CLASSES):
        super().__init__()
        self.backbone = Backbone()
        self.laterals = nn.ModuleList([nn.Conv2d(a, b, 1) for a, b in LATERALS])
        self.context1 = ContextFirst(tuple(b for _, b in LATERALS))
        self.context2 = TopDown()
        self.classifier = nn.Conv2d(FPN_WIDTH, num_classes, 1)

    def forward(self, x):
        feats = [lat(f) for lat, f in zip(self.laterals, self.backbone(x))]
        p3 = self.context2(self.context1(feats))[0]
        return F.interpolate(self.classifier(p3), size=x.shape[-2:], mode="bilinear", align_corners=False)
