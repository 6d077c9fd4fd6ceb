"""SPGNet (Cheng et al., "SPGNet: Semantic Prediction Guidance for Scene Parsing", ICCV 2019).

Written from the paper's text and tables (see ../../README and export/torch/README.md for the
readings chosen where the paper is silent). Summary of one stage:

    encoder  : torchvision ResNet trunk. Stage 1 has the stem (7x7/2 conv + 3x3/2 max pool);
               later stages start at layer1 and take the SPG output (at 1/4) as input.
               Features c2..c5 at strides 4, 8, 16, 32.
    context  : pooling of c5 (global average pooling in training; at inference average pooling
               with kernel ceil(train_crop / 32), stride 1, no padding), 1x1 conv + BN + ReLU to
               the decoder width D; the AP result is then edge-padded back to c5's size (the GAP
               vector is broadcast instead).
    decoder  : one upsample module per scale, coarse to fine (1/32, 1/16, 1/8, 1/4):
               lateral = Bottleneck(enc_ch -> D) on the encoder feature (torchvision's ResNet
               bottleneck, planes D/4, 1x1 projection shortcut); previous output bilinearly
               resized to the lateral's size and added; fuse = two Bottleneck(D -> D) in a row.
               The previous output of the 1/32 module is the pooled context.
               After the 1/4 module: 3x3 conv + BN + ReLU (D -> D) = the stage output x_d.
    between stages, SPG:  logits = conv1x1(x_d) (C classes, supervised in training)
               m = sigmoid(conv1x1(logits))  (D channels)        [or spatial softmax]
               t = BN(conv1x1(x_d))
               y = ReLU(BN(conv1x1(x_d + m * t)))  -> next encoder's layer1 input channels
               ablations: 'sum' (y from x_d + conv1x1(logits)), 'none' (y from x_d),
               identity off (drop x_d from the sum), supervision off (no aux loss/output).
    CSFA     : next encoder feature at each scale += BN(conv1x1(prev encoder feature))
               + BN(conv1x1(prev decoder module output at that scale)).
    output   : classifier conv1x1(x_d of the last stage) -> C logits at 1/4, bilinear
               (align_corners=False) to the input size.

In training mode forward() returns (logits, [aux logits x_l of each supervised SPG]): logits at
input resolution, the aux logits at the decoder's stride 4 (N, C, ceil(H/4), ceil(W/4)); in eval
mode it returns the logits tensor (N, C, H, W) only.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck

NUM_CLASSES = 19
SPG_MODES = ("sigmoid", "softmax", "sum", "none")
CONTEXT_STRIDE = 32

_RESNETS = {
    18: torchvision.models.resnet18,
    34: torchvision.models.resnet34,
    50: torchvision.models.resnet50,
    101: torchvision.models.resnet101,
    152: torchvision.models.resnet152,
}

# Width-reduced trunk for the "micro" fixture: torchvision BasicBlocks, one per layer.
MICRO_TRUNK = {"widths": (16, 32, 64, 128), "blocks": (1, 1, 1, 1)}


def conv_bn(cin, cout, kernel=1, relu=True):
    layers = [
        nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _bottleneck(cin, width):
    """torchvision's ResNet bottleneck mapping cin -> width channels (planes = width / 4)."""
    if width % Bottleneck.expansion:
        raise ValueError(f"decoder width {width} is not a multiple of {Bottleneck.expansion}")
    planes = width // Bottleneck.expansion
    down = None
    if cin != width:
        down = nn.Sequential(nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width))
    return Bottleneck(cin, planes, downsample=down)


def _parse_backbone(backbone):
    """'resnet50', 'r50', 50 or 'micro' -> normalised key (int depth or 'micro')."""
    if backbone == "micro":
        return "micro"
    if isinstance(backbone, str):
        digits = backbone.lower().replace("resnet", "").replace("r", "")
        if not digits.isdigit():
            raise ValueError(f"unknown backbone {backbone!r}")
        backbone = int(digits)
    if backbone not in _RESNETS:
        raise ValueError(f"unknown backbone depth {backbone}; want one of {sorted(_RESNETS)}")
    return backbone


class Encoder(nn.Module):
    """ResNet trunk returning [c2, c3, c4, c5] (strides 4, 8, 16, 32).

    with_stem=False drops conv1/bn1/maxpool: the input is then a stride-4 tensor with
    `in_channels` channels (what layer1 expects), as for SPGNet stages after the first.
    The torchvision classifier (avgpool, fc) is never kept.
    """

    def __init__(self, backbone, with_stem=True):
        super().__init__()
        key = _parse_backbone(backbone)
        if key == "micro":
            widths, blocks = MICRO_TRUNK["widths"], MICRO_TRUNK["blocks"]
            w0 = widths[0]
            stem = nn.Sequential(
                nn.Conv2d(3, w0, 7, stride=2, padding=3, bias=False),
                nn.BatchNorm2d(w0),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2, padding=1),
            )
            layers, cin = [], w0
            for i, (w, n) in enumerate(zip(widths, blocks)):
                stride = 1 if i == 0 else 2
                layer = []
                for j in range(n):
                    down = None
                    if j == 0 and (stride != 1 or cin != w):
                        down = nn.Sequential(
                            nn.Conv2d(cin, w, 1, stride=stride, bias=False), nn.BatchNorm2d(w)
                        )
                    layer.append(BasicBlock(cin, w, stride if j == 0 else 1, down))
                    cin = w
                layers.append(nn.Sequential(*layer))
            self.in_channels = w0
        else:
            net = _RESNETS[key](weights=None)
            stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
            layers = [net.layer1, net.layer2, net.layer3, net.layer4]
            self.in_channels = net.layer1[0].conv1.in_channels
        self.stem = stem if with_stem else None
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.channels = [_out_channels(l) for l in layers]

    def layers(self):
        return [self.layer1, self.layer2, self.layer3, self.layer4]


def _out_channels(layer):
    last = layer[-1]
    if isinstance(last, Bottleneck):
        return last.bn3.num_features
    return last.bn2.num_features


class ContextPool(nn.Module):
    """Pooling of the stride-32 feature feeding the decoder.

    Training, or no training crop known: global average pooling (N, C, 1, 1); the 1x1 result
    is broadcast when added to the 1/32 lateral (bilinear resizing of a 1x1 map is a broadcast).
    Eval with a training crop: average pooling, kernel ceil(crop / stride) per axis clamped to
    the feature size, stride 1, no padding, giving (H-kh+1, W-kw+1); restore() edge-pads it
    ((k-1)//2 before, the rest after) back to (H, W), so each position holds the mean of the
    crop-sized window centred on it (windows that would cross a border are shifted inside).
    When the kernel covers the whole map this equals global pooling.
    """

    def __init__(self, stride=CONTEXT_STRIDE, train_crop=None):
        super().__init__()
        self.stride = stride
        self.train_crop = None
        self.set_train_crop(train_crop)

    def set_train_crop(self, train_crop):
        if train_crop is None:
            self.train_crop = None
            return
        h, w = train_crop
        if h <= 0 or w <= 0:
            raise ValueError(f"training crop must be positive, got {h}x{w}")
        self.train_crop = (int(h), int(w))

    def kernel(self, feat_h, feat_w):
        kh = math.ceil(self.train_crop[0] / self.stride)
        kw = math.ceil(self.train_crop[1] / self.stride)
        return min(kh, int(feat_h)), min(kw, int(feat_w))

    def forward(self, x):
        """Pooled map: (N, C, 1, 1) for global pooling, else (N, C, H-kh+1, W-kw+1)."""
        if self.training or self.train_crop is None:
            return F.adaptive_avg_pool2d(x, 1)
        return F.avg_pool2d(x, self.kernel(x.shape[2], x.shape[3]), stride=1)

    def restore(self, y, feat):
        """Brings a pooled map back to feat's size: edge padding after average pooling; a
        global-pooling result stays 1x1 and is broadcast by the caller's addition."""
        if self.training or self.train_crop is None:
            return y
        kh, kw = self.kernel(feat.shape[2], feat.shape[3])
        top, left = (kh - 1) // 2, (kw - 1) // 2
        pad = (left, kw - 1 - left, top, kh - 1 - top)
        if any(pad):
            y = F.pad(y, pad, mode="replicate")
        return y

    def extra_repr(self):
        return f"stride={self.stride}, train_crop={self.train_crop}"


class Decoder(nn.Module):
    """Context pooling + upsample modules (1/32 .. 1/4) + 3x3 output conv."""

    def __init__(self, enc_channels, width, train_crop=None, fuse_blocks=2):
        super().__init__()
        self.pool = ContextPool(CONTEXT_STRIDE, train_crop)
        self.context = conv_bn(enc_channels[-1], width)
        # index 0 = stride 4 ... index 3 = stride 32 (same order as the encoder features)
        self.lateral = nn.ModuleList([_bottleneck(c, width) for c in enc_channels])
        self.fuse = nn.ModuleList([
            nn.Sequential(*[_bottleneck(width, width) for _ in range(fuse_blocks)])
            for _ in enc_channels])
        self.head = conv_bn(width, width, 3)

    def forward(self, feats):
        # pool -> 1x1 conv/BN/ReLU (pointwise, so it commutes with the edge padding) -> back to
        # the 1/32 size: the padding takes the place of the broadcast of the global vector.
        prev = self.pool.restore(self.context(self.pool(feats[-1])), feats[-1])
        outs = [None] * len(feats)
        for i in reversed(range(len(feats))):
            lat = self.lateral[i](feats[i])
            if i != len(feats) - 1:
                prev = F.interpolate(prev, size=lat.shape[-2:], mode="bilinear", align_corners=False)
            prev = self.fuse[i](lat + prev)
            outs[i] = prev
        return self.head(prev), outs


class SPG(nn.Module):
    """Semantic Prediction Guidance between two stages (paper Sec. 3.4, Fig. 3, Table 3)."""

    def __init__(self, width, out_channels, num_classes=NUM_CLASSES, mode="sigmoid",
                 identity=True, supervision=True):
        super().__init__()
        if mode not in SPG_MODES:
            raise ValueError(f"unknown SPG mode {mode!r}; want one of {SPG_MODES}")
        if mode == "none" and not identity:
            raise ValueError("SPG mode 'none' passes the decoder output itself: identity must be on")
        self.mode, self.identity = mode, identity
        self.supervision = supervision and mode != "none"
        if mode != "none":
            self.logits = nn.Conv2d(width, num_classes, 1)
            self.attention = nn.Conv2d(num_classes, width, 1)
        if mode in ("sigmoid", "softmax"):
            self.transform = nn.Sequential(nn.Conv2d(width, width, 1, bias=False), nn.BatchNorm2d(width))
        self.out = conv_bn(width, out_channels)

    def forward(self, xd):
        """Returns (next-stage input, logits or None)."""
        if self.mode == "none":
            return self.out(xd), None
        logits = self.logits(xd)
        g = self.attention(logits)
        if self.mode == "sum":
            z = g
        else:
            if self.mode == "sigmoid":
                m = torch.sigmoid(g)
            else:  # softmax over the spatial positions, per channel
                m = torch.softmax(g.flatten(2), dim=-1).view_as(g)
            z = m * self.transform(xd)
        if self.identity:
            z = xd + z
        return self.out(z), logits


class CSFA(nn.Module):
    """Cross-stage feature aggregation (MSPN): 1x1 conv + BN per source and scale."""

    def __init__(self, prev_enc_channels, width, next_enc_channels):
        super().__init__()
        self.enc = nn.ModuleList(
            [conv_bn(p, n, relu=False) for p, n in zip(prev_enc_channels, next_enc_channels)])
        self.dec = nn.ModuleList([conv_bn(width, n, relu=False) for n in next_enc_channels])

    def forward(self, i, enc_prev, dec_prev):
        return self.enc[i](enc_prev) + self.dec[i](dec_prev)


class SPGNet(nn.Module):
    def __init__(self, backbone="resnet18", stages=2, width=128, num_classes=NUM_CLASSES,
                 spg="sigmoid", identity=True, supervision=True, csfa=True, train_crop=None,
                 fuse_blocks=2):
        """backbone: one name ('resnet50', 'r50', 50, 'micro') or one per stage (Table 6).
        fuse_blocks: bottlenecks after each upsample module's addition (2 reproduces the
        paper's parameter and FLOP counts; 1 is the most literal reading of Sec. 3.3)."""
        super().__init__()
        if not 1 <= stages <= 3:
            raise ValueError(f"stages must be 1, 2 or 3, got {stages}")
        if isinstance(backbone, (list, tuple)):
            if len(backbone) != stages:
                raise ValueError(f"{len(backbone)} backbones for {stages} stages")
            backbones = list(backbone)
        else:
            backbones = [backbone] * stages
        self.stages, self.width, self.num_classes = stages, width, num_classes
        self.encoders = nn.ModuleList([Encoder(b, with_stem=(s == 0)) for s, b in enumerate(backbones)])
        self.decoders = nn.ModuleList(
            [Decoder(e.channels, width, train_crop, fuse_blocks) for e in self.encoders])
        self.spgs = nn.ModuleList([
            SPG(width, self.encoders[s + 1].in_channels, num_classes, spg, identity, supervision)
            for s in range(stages - 1)])
        self.csfa = nn.ModuleList([
            CSFA(self.encoders[s].channels, width, self.encoders[s + 1].channels)
            for s in range(stages - 1)]) if csfa else None
        self.classifier = nn.Conv2d(width, num_classes, 1)

    def set_train_crop(self, train_crop):
        """Training crop (h, w) sets the inference AP kernel; None keeps global pooling."""
        for d in self.decoders:
            d.pool.set_train_crop(train_crop)

    def forward(self, x):
        size = x.shape[-2:]
        aux = []
        y, enc_prev, dec_prev = x, None, None
        for s in range(self.stages):
            enc = self.encoders[s]
            f = enc.stem(y) if enc.stem is not None else y
            feats = []
            for i, layer in enumerate(enc.layers()):
                f = layer(f)
                if s > 0 and self.csfa is not None:
                    f = f + self.csfa[s - 1](i, enc_prev[i], dec_prev[i])
                feats.append(f)
            xd, dec_outs = self.decoders[s](feats)
            if s == self.stages - 1:
                break
            y, logits = self.spgs[s](xd)
            if self.training and self.spgs[s].supervision:
                aux.append(logits)
            enc_prev, dec_prev = feats, dec_outs
        out = F.interpolate(self.classifier(xd), size=size, mode="bilinear", align_corners=False)
        if self.training:
            return out, aux
        return out
