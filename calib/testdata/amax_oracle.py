"""An independent implementation of segtrt's amax-from-histogram step,
written from its description (calib's package documentation) with numpy and
scipy, to check the Go code to the bin.

    /usr/bin/python3 amax_oracle.py CALIB.json   # check every tensor of a calib.json
    /usr/bin/python3 amax_oracle.py              # self-test on NVIDIA's reference numbers

CALIB.json must come from `segtrt calibrate --report ... --save-histograms`:
each tensor has "counts", "edges" and "methods" (every method's amax). The
check prints one JSON line per disagreement and exits 1 if there is any.
"""
import json
import multiprocessing
import sys
import unittest

import numpy as np
from scipy.special import rel_entr

LEVELS = 128  # non-negative int8 levels; also the first candidate bin
KL_TIE = 1e-12  # divergences this close to the least count as equal


def entropy_amax(counts, edges):
    """TensorRT's entropy calibration as NVIDIA's reference computes it."""
    c = np.asarray(counts, dtype=np.float64).copy()
    c[0] = c[1]  # the spike of exact zeros must not steer the search
    n = len(c)
    bins = np.arange(n)
    kls = {}
    for i in range(LEVELS, n + 1):
        p = c[:i].copy()
        p[i - 1] += c[i:].sum()
        raw = c[:i]
        level = (bins[:i] * LEVELS) // i  # fractional level boundaries
        nonzero = raw != 0
        sums = np.bincount(level, weights=raw, minlength=LEVELS)
        nz = np.bincount(level, weights=nonzero.astype(np.float64), minlength=LEVELS)
        q = np.zeros(i)
        q[nonzero] = sums[level[nonzero]] / nz[level[nonzero]]
        if p.sum() == 0 or q.sum() == 0:
            continue
        # KL(P||Q) of the normalised distributions; rel_entr is inf where
        # q = 0 < p and 0 where p = 0.
        kl = np.sum(rel_entr(p / p.sum(), q / q.sum()))
        if np.isfinite(kl):
            kls[i] = kl
    if not kls:
        return 0.0
    least = min(kls.values())
    return float(edges[max(i for i, kl in kls.items() if kl <= least + KL_TIE)])


def percentile_amax(counts, edges, p):
    c = np.asarray(counts, dtype=np.float64)
    if c.sum() == 0:
        return 0.0
    cdf = np.cumsum(c / c.sum())
    return float(edges[np.searchsorted(cdf, p / 100)])


def mse_amax(counts, edges):
    c = np.asarray(counts, dtype=np.float64)
    e = np.asarray(edges, dtype=np.float64)
    if c[1:].sum() == 0:
        return 0.0
    centres = (e[1:] + e[:-1]) / 2
    best, best_k = np.inf, None
    for k in range(LEVELS, len(centres)):
        amax = centres[k]
        fq = np.clip(np.round(centres * 127 / amax), -128, 127) * amax / 127  # np.round: ties to even
        err = np.mean(c * (centres - fq) ** 2)
        if err < best:
            best, best_k = err, k
    return float(centres[best_k])


def check_tensor(t):
    """Returns the disagreements for one calib.json tensor, in bins."""
    counts, edges, methods = t["counts"], t["edges"], t["methods"]
    width = edges[1] - edges[0]
    out = []
    ours = {
        "entropy": entropy_amax(counts, edges),
        "percentile": percentile_amax(counts, edges, t["percentile"]),
        "mse": mse_amax(counts, edges),
    }
    for m, v in ours.items():
        if abs(v - methods[m]) > width / 4:
            out.append({"tensor": t["name"], "method": m, "oracle": v, "segtrt": methods[m],
                        "bins_apart": (methods[m] - v) / width})
    return out


def check_report(path):
    rep = json.load(open(path))
    tensors = [dict(t, percentile=rep["percentile"]) for t in rep["tensors"]]
    if not tensors or "counts" not in tensors[0] or "methods" not in tensors[0]:
        sys.exit(f"{path}: no histograms or per-method amax (calibrate with --report and --save-histograms)")
    with multiprocessing.Pool() as pool:
        bad = [d for ds in pool.map(check_tensor, tensors, chunksize=4) for d in ds]
    for d in bad:
        print(json.dumps(d))
    print(json.dumps({"tensors": len(tensors), "disagreements": len(bad)}))
    return 1 if bad else 0


def reference_histograms():
    """The histograms and amax of the issue that specified the algorithm,
    computed there with NVIDIA's reference implementation."""
    k = np.arange(2048)
    edges = 0.01 * np.arange(2049)
    relu = np.floor(50000 * np.exp(-k / 150))
    relu[0] = 900000
    tail = np.floor(1e6 / (k + 1) ** 1.5)
    gate = np.where((k >= 300) & (k < 900), 1000.0, 0.0)
    return edges, [("relu", relu, 16.00, 13.21, 13.545), ("tail", tail, 5.12, 20.22, 20.035),
                   ("gate", gate, 20.48, 8.99, 8.965)]


class ReferenceNumbers(unittest.TestCase):
    def test_reference_histograms(self):
        edges, cases = reference_histograms()
        for name, counts, ent, pct, mse in cases:
            with self.subTest(name):
                self.assertAlmostEqual(entropy_amax(counts, edges), ent, places=9)
                self.assertAlmostEqual(percentile_amax(counts, edges, 99.99), pct, places=9)
                self.assertAlmostEqual(mse_amax(counts, edges), mse, places=9)


if __name__ == "__main__":
    if len(sys.argv) == 2:
        sys.exit(check_report(sys.argv[1]))
    unittest.main()
