"""Export a named architecture to ONNX (eval mode, torch.onnx defaults, constant folding on).

    /usr/bin/python3 -m export.torch.export --arch spgnet-r18-2s-128 --height 1024 --width 2048 \\
        --opset 17 [--dynamic] [--weights W.pt] [--train-crop 769x769|none] --out M.onnx
    /usr/bin/python3 -m export.torch.export --list

The graph is left as torch emits it: input "input" (N,3,H,W) float32, output "logits" (N,19,H,W).
Only model-level metadata_props are added (segtrt.arch, segtrt.train_crop, segtrt.input_size,
segtrt.num_classes). The file appears atomically (written next to --out, then renamed).
Exit codes: 0 ok, 1 error (one line on stderr), 2 bad usage.
"""

import argparse
import os
import sys
import tempfile
import warnings

from . import archs

DEFAULT_OPSET = 17
INPUT_NAME, OUTPUT_NAME = "input", "logits"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_size(text, what):
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not all(int(p) > 0 for p in parts):
        raise UsageError(f"{what} must be HxW with positive integers, got {text!r}")
    return int(parts[0]), int(parts[1])


def build_parser():
    p = _Parser(prog="python3 -m export.torch.export", description=__doc__.split("\n")[0])
    p.add_argument("--list", action="store_true", help="print the architecture names and exit")
    p.add_argument("--arch", help="architecture name (see --list)")
    p.add_argument("--height", type=int, help="input height of the exported graph")
    p.add_argument("--width", type=int, help="input width of the exported graph")
    p.add_argument("--batch", type=int, default=1, help="batch size of the dummy input (default 1)")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})")
    p.add_argument("--dynamic", action="store_true",
                   help="dynamic batch, height and width axes (the AP kernel stays the one "
                        "computed for --height/--width)")
    p.add_argument("--weights", help="state_dict saved with torch.save (or a dict holding one "
                                     "under 'state_dict' or 'model'); default: seeded random init")
    p.add_argument("--seed", type=int, default=0, help="seed of the random init (default 0)")
    p.add_argument("--train-crop", default="default",
                   help="HxW training crop setting the inference AP kernel (ceil(crop/32)), or "
                        "'none' to keep global average pooling; SPGNet only. Default: 769x769 "
                        "for the paper variants, 128x256 for spgnet-micro")
    p.add_argument("--spg", choices=archs.SPG_MODES, help="SPG variant (SPGNet; default sigmoid)")
    p.add_argument("--no-identity", action="store_true", help="SPG without the identity path")
    p.add_argument("--no-csfa", action="store_true", help="no cross-stage feature aggregation")
    p.add_argument("--out", help="output .onnx path")
    return p


def _check_args(a):
    if a.list:
        return
    missing = [f"--{n}" for n in ("arch", "height", "width", "out") if getattr(a, n) is None]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}")
    if a.arch not in archs.names():
        raise UsageError(f"unknown --arch {a.arch!r} (see --list)")
    if a.height < 32 or a.width < 32:
        raise UsageError(f"--height and --width must be at least 32, got {a.height}x{a.width}")
    if a.batch < 1:
        raise UsageError(f"--batch must be positive, got {a.batch}")
    if not 11 <= a.opset <= 17:
        raise UsageError(f"--opset must be between 11 and 17, got {a.opset}")
    spg_opts = a.spg is not None or a.no_identity or a.no_csfa
    if not archs.is_spgnet(a.arch):
        if spg_opts:
            raise UsageError(f"--spg/--no-identity/--no-csfa apply to SPGNet only, not {a.arch}")
        if a.train_crop != "default":
            raise UsageError(f"--train-crop applies to SPGNet only, not {a.arch}")
    if a.train_crop == "default":
        a.crop = archs.default_train_crop(a.arch)
    elif a.train_crop.lower() == "none":
        a.crop = None
    else:
        a.crop = parse_size(a.train_crop, "--train-crop")
    if not a.out.endswith(".onnx"):
        raise UsageError(f"--out must end in .onnx, got {a.out!r}")


def _load_weights(model, path):
    import torch

    try:
        obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise RuntimeError(f"{path}: no such file")
    except Exception as e:  # unpickling errors come in many types
        raise RuntimeError(f"{path}: cannot read weights: {e}")
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        raise RuntimeError(f"{path}: not a state_dict")
    own = model.state_dict()
    missing = [k for k in own if k not in obj]
    unexpected = [k for k in obj if k not in own]
    bad = [k for k in own if k in obj and tuple(obj[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or bad:
        first = (missing + unexpected + bad)[0]
        raise RuntimeError(
            f"{path}: weights do not fit the architecture ({len(missing)} missing, "
            f"{len(unexpected)} unexpected, {len(bad)} wrong shape; first: {first})")
    model.load_state_dict(obj)


def export_model(model, out, height, width, opset=DEFAULT_OPSET, dynamic=False, batch=1,
                 metadata=None):
    """Exports an eval-mode copy of model to out atomically; returns the path."""
    import onnx
    import torch

    model = model.eval()
    outdir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(outdir):
        raise RuntimeError(f"{out}: directory {outdir} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".", suffix=".tmp", dir=outdir)
    os.close(fd)
    try:
        dummy = torch.zeros(batch, 3, height, width)
        axes = None
        if dynamic:
            axes = {INPUT_NAME: {0: "batch", 2: "height", 3: "width"},
                    OUTPUT_NAME: {0: "batch", 2: "height", 3: "width"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", module=r"torch\.onnx")
            with torch.no_grad():
                torch.onnx.export(model, dummy, tmp, opset_version=opset, input_names=[INPUT_NAME],
                                  output_names=[OUTPUT_NAME], dynamic_axes=axes)
        proto = onnx.load(tmp)
        onnx.checker.check_model(proto)
        for k, v in (metadata or {}).items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = k, str(v)
        onnx.save(proto, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out


def _crop_text(crop):
    return "none" if crop is None else f"{crop[0]}x{crop[1]}"


def run(argv):
    a = build_parser().parse_args(argv)
    _check_args(a)
    if a.list:
        for n in archs.names():
            print(n)
        return 0

    outdir = os.path.dirname(os.path.abspath(a.out))
    if not os.path.isdir(outdir):
        raise RuntimeError(f"{a.out}: directory {outdir} does not exist")
    if a.weights and not os.path.isfile(a.weights):
        raise RuntimeError(f"{a.weights}: no such file")

    import torch

    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    kwargs = {}
    if a.spg is not None:
        kwargs["spg"] = a.spg
    if a.no_identity:
        kwargs["identity"] = False
    if a.no_csfa:
        kwargs["csfa"] = False
    try:
        model = archs.build(a.arch, train_crop=a.crop if archs.is_spgnet(a.arch) else "default", **kwargs)
    except ValueError as e:
        raise UsageError(str(e))
    if a.weights:
        _load_weights(model, a.weights)
    model.eval()
    if archs.is_spgnet(a.arch) and a.crop is not None:
        fh, fw = -(-a.height // 32), -(-a.width // 32)
        kh, kw = -(-a.crop[0] // 32), -(-a.crop[1] // 32)
        if kh > fh or kw > fw:
            what = "global pooling" if kh >= fh and kw >= fw else "partly global"
            print(f"export: warning: AP kernel {kh}x{kw} clamped to {min(kh, fh)}x{min(kw, fw)}, "
                  f"the 1/32 feature map of {a.height}x{a.width} is {fh}x{fw} ({what})",
                  file=sys.stderr)
    meta = {"segtrt.arch": a.arch, "segtrt.num_classes": 19,
            "segtrt.train_crop": _crop_text(a.crop) if archs.is_spgnet(a.arch) else "none",
            "segtrt.input_size": "dynamic" if a.dynamic else f"{a.height}x{a.width}"}
    export_model(model, a.out, a.height, a.width, a.opset, a.dynamic, a.batch, meta)
    size = os.path.getsize(a.out)
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {a.out}: {a.arch}, {params} params, {size} bytes")
    return 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        print(f"export: usage error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # torch and onnx raise many types; one line, exit 1
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"export: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
