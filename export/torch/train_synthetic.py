"""Train the fixture models on a synthetic Cityscapes-layout data set (CPU) and write them to
testdata/models/ as ONNX plus a JSON record.

    /usr/bin/python3 -m export.torch.train_synthetic --generate            # both fixtures
    /usr/bin/python3 -m export.torch.train_synthetic --data DIR --arch spgnet-micro

--generate makes the data first with `segtrt dataset synth` (default: `go run ./cmd/segtrt`,
run from the repository root) in --data, which defaults to
testdata/cache/synth-{H}x{W}-seed{S}-{train}-{val} (git-ignored); an existing folder is reused.

Outputs per architecture A: {out-dir}/{A}-{H}x{W}.onnx and {out-dir}/{A}-{H}x{W}.json with the
architecture, input size, training crop, images, steps, seed, time and the val mIoU measured here
in PyTorch (Cityscapes' rule, see cityscapes.py). Seeded; with --threads 1 (the default) runs
repeat bit for bit on the same machine and library versions.
"""

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time

import numpy as np

from . import archs, cityscapes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_ARCHS = ("sgcpnet", "spgnet-micro")
DEFAULTS = {
    # steps, batch, learning rate: each fixture trains in about 8 minutes on one core. A batch
    # of 16 or more lets PyTorch use oneDNN for 1x1 convolutions (3x faster on one thread).
    "sgcpnet": dict(steps=1400, batch=16, lr=4e-3),
    "spgnet-micro": dict(steps=800, batch=16, lr=3e-3),
}
AUX_WEIGHT = 0.4


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    p = _Parser(prog="python3 -m export.torch.train_synthetic", description=__doc__.split("\n")[0])
    p.add_argument("--arch", default="all", help="sgcpnet, spgnet-micro or all (default)")
    p.add_argument("--data", help="data set root (Cityscapes layout with train and val splits)")
    p.add_argument("--generate", action="store_true", help="make the data with segtrt if missing")
    p.add_argument("--segtrt", default="go run ./cmd/segtrt", help="segtrt command for --generate")
    p.add_argument("--train-images", type=int, default=400, help="train images to generate")
    p.add_argument("--val-images", type=int, default=100, help="val images to generate")
    p.add_argument("--height", type=int, default=256, help="model input height (default 256)")
    p.add_argument("--width", type=int, default=512, help="model input width (default 512)")
    p.add_argument("--crop", default="128x256", help="training crop HxW (default 128x256; for "
                   "spgnet-micro it also sets the inference AP kernel)")
    p.add_argument("--steps", type=int, help="optimizer steps (default per architecture)")
    p.add_argument("--batch", type=int, help="batch size (default 16)")
    p.add_argument("--lr", type=float, help="peak AdamW learning rate (default per architecture)")
    p.add_argument("--seed", type=int, default=0, help="seed for data generation and training")
    p.add_argument("--threads", type=int, default=1, help="torch threads per process (default 1)")
    p.add_argument("--jobs", type=int, default=2,
                   help="with --arch all: train the fixtures in this many processes at once "
                        "(default 2, one single-threaded process each; 1 = one after the other)")
    p.add_argument("--out-dir", default=os.path.join("testdata", "models"), help="where fixtures go")
    p.add_argument("--save-weights", help="also save the state_dict(s) here (a directory)")
    p.add_argument("--class-weights", choices=("sqrt", "none"), default="sqrt",
                   help="cross-entropy class weights: sqrt = 1/sqrt(train pixel frequency), "
                        "normalised to a mean pixel weight of 1 (default), or none")
    p.add_argument("--bn-batches", type=int, default=50,
                   help="batches for re-estimating BatchNorm statistics after training "
                        "(plain averages instead of running averages; 0 = skip)")
    p.add_argument("--log-every", type=int, default=50, help="print the loss every N steps")
    p.add_argument("--recipe", help=argparse.SUPPRESS)  # how --data was made (set for children)
    return p


def parse_crop(text):
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(f"--crop must be HxW with positive integers, got {text!r}")
    return int(parts[0]), int(parts[1])


def generate(cmd, root, n_train, n_val, height, width, seed):
    argv = shlex.split(cmd) + ["dataset", "synth", "--out", root, "--train", str(n_train),
                               "--val", str(n_val), "--height", str(height), "--width", str(width),
                               "--seed", str(seed)]
    tmp = os.path.abspath(root) + ".partial"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    argv[argv.index(root)] = tmp
    print("generating:", " ".join(shlex.quote(a) for a in argv), flush=True)
    r = subprocess.run(argv, cwd=REPO)  # `go run ./cmd/segtrt` needs the module root
    if r.returncode != 0:
        raise RuntimeError(f"segtrt dataset synth failed with exit code {r.returncode}")
    os.rename(tmp, root)


def load_split(root, split, size):
    """All images (N,H,W,3 uint8, resized bilinearly to size) and labels (N,H,W uint8, nearest)."""
    import torch
    import torch.nn.functional as F

    entries = cityscapes.list_split(root, split)
    imgs, lbls = [], []
    for stem, ip, lp, kind in entries:
        img, lbl = cityscapes.read_image(ip), cityscapes.read_label(lp, kind)
        if img.shape[:2] != tuple(size):
            t = torch.from_numpy(img).permute(2, 0, 1)[None].float()
            t = F.interpolate(t, size=size, mode="bilinear", align_corners=False)
            img = t[0].permute(1, 2, 0).round().clamp(0, 255).byte().numpy()
            l = torch.from_numpy(lbl)[None, None].float()
            lbl = F.interpolate(l, size=size, mode="nearest")[0, 0].byte().numpy()
        imgs.append(img)
        lbls.append(lbl)
    return entries, np.stack(imgs), np.stack(lbls)


def batch_at(rng, imgs, lbls, batch, crop):
    n, h, w = lbls.shape
    ch, cw = min(crop[0], h), min(crop[1], w)
    xs = np.empty((batch, ch, cw, 3), np.uint8)
    ys = np.empty((batch, ch, cw), np.uint8)
    for b in range(batch):
        i = rng.integers(n)
        y0, x0 = rng.integers(h - ch + 1), rng.integers(w - cw + 1)
        xi, yi = imgs[i, y0:y0 + ch, x0:x0 + cw], lbls[i, y0:y0 + ch, x0:x0 + cw]
        if rng.random() < 0.5:
            xi, yi = xi[:, ::-1], yi[:, ::-1]
        xs[b], ys[b] = xi, yi
    return xs, ys


def class_weights(lbls, mode):
    """1/sqrt(frequency) of each class in the training labels, scaled so that the weighted
    mean over labelled pixels is 1; classes absent from the set get the largest weight."""
    if mode == "none":
        return None
    counts = np.bincount(lbls.ravel(), minlength=256)[: cityscapes.NUM_CLASSES].astype(np.float64)
    freq = counts / max(1.0, counts.sum())
    w = np.zeros_like(freq)
    seen = freq > 0
    w[seen] = freq[seen] ** -0.5
    w[~seen] = w[seen].max() if seen.any() else 1.0
    w /= (freq * w).sum() if seen.any() else 1.0
    return w


def precise_bn(model, rng, imgs, lbls, batch, crop, n_batches):
    """Replaces BatchNorm running statistics by plain averages over n_batches training batches
    (the running averages lag behind the weights, more so with the slow momenta of SGCPNet)."""
    import torch

    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns or n_batches <= 0:
        return
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
    model.train()
    with torch.no_grad():
        for _ in range(n_batches):
            xs, _ = batch_at(rng, imgs, lbls, batch, crop)
            model(cityscapes.preprocess(xs))
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()


def lr_at(step, steps, peak, warmup=30):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (1 - (step - warmup) / max(1, steps - warmup)) ** 0.9


def train_one(arch, train, val_entries, size, crop, steps, batch, lr, seed, log_every,
              weights_mode="sqrt", bn_batches=50):
    import torch
    import torch.nn.functional as F

    imgs, lbls = train
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cw = class_weights(lbls, weights_mode)
    weight = None if cw is None else torch.tensor(cw, dtype=torch.float32)
    model = archs.build(arch, train_crop=crop if archs.is_spgnet(arch) else "default")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    model.train()
    t0 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr)
        xs, ys = batch_at(rng, imgs, lbls, batch, crop)
        x = cityscapes.preprocess(xs)
        y = torch.from_numpy(ys.astype(np.int64))
        out = model(x)
        aux = []
        if isinstance(out, tuple):
            out, aux = out
        loss = F.cross_entropy(out, y, weight=weight, ignore_index=cityscapes.IGNORE)
        for a in aux:  # stage logits at stride 4: labels picked by nearest neighbour
            ya = F.interpolate(y[:, None].float(), size=a.shape[-2:], mode="nearest")[:, 0].long()
            loss = loss + AUX_WEIGHT * F.cross_entropy(a, ya, weight=weight, ignore_index=cityscapes.IGNORE)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if log_every and (step % log_every == 0 or step == steps - 1):
            print(f"{arch} step {step + 1}/{steps} loss {loss.item():.4f} "
                  f"lr {opt.param_groups[0]['lr']:.2e} {time.time() - t0:.0f}s", flush=True)
    precise_bn(model, rng, imgs, lbls, batch, crop, bn_batches)
    train_seconds = time.time() - t0
    model.eval()
    t1 = time.time()
    miou, per, _ = cityscapes.evaluate(model, val_entries, size)
    return model, miou, per, train_seconds, time.time() - t1, cw


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json_atomic(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def run_parallel(argv, arch_list, data, jobs, generator):
    """One child process per architecture (the data exist by now), at most jobs at a time."""
    base = []
    skip = {"--arch", "--data", "--jobs"}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        if name in skip:
            i += 1 if "=" in arg else 2
            continue
        if arg != "--generate":
            base.append(arg)
        i += 1
    pending, running, code = list(arch_list), [], 0
    while pending or running:
        while pending and len(running) < jobs:
            arch = pending.pop(0)
            cmd = [sys.executable, "-m", "export.torch.train_synthetic", *base, "--arch", arch,
                   "--data", data, "--jobs", "1"]
            if generator:
                cmd += ["--recipe", generator]
            child = subprocess.Popen(cmd, cwd=os.getcwd(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            relays = [threading.Thread(target=_relay, args=(child.stdout, False), daemon=True),
                      threading.Thread(target=_relay, args=(child.stderr, True), daemon=True)]
            for r in relays:
                r.start()
            running.append((child, relays))
        child, relays = running.pop(0)
        code = max(code, child.wait())
        for r in relays:
            r.join()
    return code


_print_lock = threading.Lock()


def _relay(stream, to_stderr):
    """Copies a child's output to ours line by line (children prefix lines by arch)."""
    for line in stream:
        with _print_lock:
            out = sys.stderr if to_stderr else sys.stdout
            out.write(line)
            out.flush()
    stream.close()


def run(argv):
    a = build_parser().parse_args(argv)
    arch_list = FIXTURE_ARCHS if a.arch == "all" else (a.arch,)
    for arch in arch_list:
        if arch not in FIXTURE_ARCHS:
            raise UsageError(f"--arch must be one of {', '.join(FIXTURE_ARCHS)} or all, got {arch!r}")
    crop = parse_crop(a.crop)
    if a.height < 32 or a.width < 32:
        raise UsageError(f"--height/--width must be at least 32, got {a.height}x{a.width}")
    if a.bn_batches < 0:
        raise UsageError(f"--bn-batches must not be negative, got {a.bn_batches}")
    for name in ("steps", "batch", "threads", "jobs", "train_images", "val_images"):
        v = getattr(a, name)
        if v is not None and v < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be positive, got {v}")
    if a.batch is not None and a.batch < 2:
        raise UsageError("--batch must be at least 2 (BatchNorm on pooled 1x1 maps)")
    size = (a.height, a.width)
    data = a.data or os.path.join("testdata", "cache", f"synth-{a.height}x{a.width}-seed{a.seed}"
                                                       f"-{a.train_images}-{a.val_images}")
    synth = (f"segtrt dataset synth --out {data} --train {a.train_images} --val {a.val_images} "
             f"--height {a.height} --width {a.width} --seed {a.seed}")
    generator = synth if a.data is None else a.recipe  # the default folder is named after its recipe
    if not os.path.isdir(data):
        if not a.generate:
            raise UsageError(f"--data {data} does not exist (add --generate to make it)")
        os.makedirs(os.path.dirname(os.path.abspath(data)), exist_ok=True)
        generate(a.segtrt, data, a.train_images, a.val_images, a.height, a.width, a.seed)
        generator = synth
    os.makedirs(a.out_dir, exist_ok=True)
    if a.jobs > 1 and len(arch_list) > 1:
        return run_parallel(argv, arch_list, data, a.jobs, generator)

    import torch

    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    from .export import export_model

    _, imgs, lbls = load_split(data, "train", size)
    val_entries = cityscapes.list_split(data, "val")
    print(f"data {data}: {len(imgs)} train, {len(val_entries)} val images", flush=True)
    results = {}
    for arch in arch_list:
        d = DEFAULTS[arch]
        steps, batch, lr = a.steps or d["steps"], a.batch or d["batch"], a.lr or d["lr"]
        model, miou, per, secs, eval_secs, _ = train_one(
            arch, (imgs, lbls), val_entries, size, crop, steps, batch, lr, a.seed, a.log_every,
            a.class_weights, a.bn_batches)
        base = os.path.join(a.out_dir, f"{arch}-{a.height}x{a.width}")
        is_spg = archs.is_spgnet(arch)
        meta = {"segtrt.arch": arch, "segtrt.num_classes": 19,
                "segtrt.train_crop": f"{crop[0]}x{crop[1]}" if is_spg else "none",
                "segtrt.input_size": f"{a.height}x{a.width}"}
        export_model(model, base + ".onnx", a.height, a.width, metadata=meta)
        if a.save_weights:
            os.makedirs(a.save_weights, exist_ok=True)
            torch.save(model.state_dict(), os.path.join(a.save_weights, f"{arch}-{a.height}x{a.width}.pt"))
        record = {
            "arch": arch,
            "input": {"height": a.height, "width": a.width},
            "train_crop": {"height": crop[0], "width": crop[1]},
            "ap_train_crop": f"{crop[0]}x{crop[1]}" if is_spg else None,
            "params": sum(p.numel() for p in model.parameters()),
            "onnx_bytes": os.path.getsize(base + ".onnx"),
            "onnx_sha256": sha256(base + ".onnx"),
            "data": {"root": data, "generator": generator,
                     "train_images": int(len(imgs)), "val_images": len(val_entries)},
            "training": {"steps": steps, "batch": batch, "images_seen": steps * batch,
                         "optimizer": "AdamW", "peak_lr": lr, "weight_decay": 1e-4,
                         "schedule": "linear warm-up 30 steps, then poly 0.9",
                         "aux_loss": (f"weight {AUX_WEIGHT}, at stride 4 against nearest-"
                                      f"downsampled labels") if is_spg else None,
                         "class_weights": a.class_weights,
                         "bn_statistics": f"re-estimated over {a.bn_batches} batches" if a.bn_batches
                                          else "running averages",
                         "augmentation": "random crop, horizontal flip",
                         "seed": a.seed, "threads": a.threads, "seconds": round(secs, 1)},
            "val": {"split": "val", "miou": round(miou, 2),
                    "per_class_iou": {n: (None if v is None else round(v, 2))
                                      for n, v in zip(cityscapes.CLASS_NAMES, per)},
                    "rule": "one confusion matrix over the split at ground-truth size; "
                            "IoU=TP/(TP+FP+FN); mean over classes with TP+FP+FN>0",
                    "measured_by": "PyTorch", "seconds": round(eval_secs, 1)},
            "versions": {"torch": torch.__version__, "python": platform.python_version(),
                         "numpy": np.__version__},
        }
        write_json_atomic(base + ".json", record)
        results[arch] = miou
        print(f"{arch}: val mIoU {miou:.2f}% after {steps} steps ({secs:.0f}s); wrote {base}.onnx",
              flush=True)
    return 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        print(f"train_synthetic: usage error: {e}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ValueError, cityscapes.DataError) as e:
        print(f"train_synthetic: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
