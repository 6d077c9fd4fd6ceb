"""A second, independent implementation of TensorRT's entropy calibration,
vectorised with numpy, to check segtrt's Go version.

    /usr/bin/python3 entropy_reference.py HISTS.json
HISTS.json: [{"counts": [2048 ints]}, ...]; prints [best threshold bin i, ...]
where amax is the upper edge of bin i-1.
"""
import json
import sys

import numpy as np


def best_threshold(counts, levels=128):
    counts = np.asarray(counts, dtype=np.float64)
    n = len(counts)
    best, best_kl = n, np.inf
    for i in range(levels, n + 1):
        ref = counts[:i].copy()
        ref[-1] += counts[i:].sum()
        # Candidate: i bins grouped into `levels` chunks, last one takes the rest.
        group = np.minimum(np.arange(i) // (i // levels), levels - 1)
        nonzero = counts[:i] != 0
        sums = np.bincount(group, weights=counts[:i], minlength=levels)
        nz = np.bincount(group, weights=nonzero.astype(np.float64), minlength=levels)
        with np.errstate(divide="ignore", invalid="ignore"):
            cand = np.where(nonzero, sums[group] / nz[group], 0.0)
        p = ref / ref.sum()
        q = cand / cand.sum()
        mask = p > 0
        if np.any(q[mask] == 0):
            kl = np.inf
        else:
            kl = float(np.sum(p[mask] * np.log(p[mask] / q[mask])))
        if kl < best_kl:
            best, best_kl = i, kl
    return best


if __name__ == "__main__":
    hists = json.load(open(sys.argv[1]))
    print(json.dumps([best_threshold(h["counts"]) for h in hists]))
