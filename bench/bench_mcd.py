"""Bivariate MCD: eiplast.analysis.mcd against scikit-learn's MinCovDet, per neuron.

Generates conductance-like (g_e, g_i) samples (positive, correlated, 5 % bursts; float32 as the
simulator stores them), fits every neuron with ``MinCovDet(random_state=j)`` and with
``eiplast.analysis.mcd.min_cov_det(X, seed=j)`` in turn (interleaved, so both see the same load
on a shared machine), single thread, and compares. The numba kernels are compiled first into an
empty temporary cache (that time is reported as ``compile_seconds`` and excluded from the
timings). Writes ``bench/results/mcd_vs_sklearn.json``.

    python bench/bench_mcd.py                     # 20 neurons x 19000 samples
    python bench/bench_mcd.py --neurons 5 --samples 5000
"""

import os

# scikit-learn / numpy single-threaded; numba threads only matter for the prange variant
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

OUT = Path("bench/results/mcd_vs_sklearn.json")


def conductances(n_t, n_neurons, seed):
    """(T, N) float32 g_e, g_i in nS: shared + private Gaussian drive, bursts in 5 % of samples."""
    rng = np.random.default_rng(seed)
    ge = np.empty((n_t, n_neurons), dtype=np.float32)
    gi = np.empty((n_t, n_neurons), dtype=np.float32)
    for j in range(n_neurons):
        z = rng.standard_normal((n_t, 3))
        mean_e, mean_i = rng.uniform(5.0, 15.0), rng.uniform(10.0, 30.0)
        e = mean_e + 0.3 * mean_e * z[:, 0] + 0.15 * mean_e * z[:, 2]
        i = mean_i + 0.25 * mean_i * z[:, 1] + 0.12 * mean_i * z[:, 2]
        k = int(0.05 * n_t)
        idx = rng.choice(n_t, k, replace=False)
        e[idx] += rng.exponential(2.0 * mean_e, k)
        i[idx] += rng.exponential(2.0 * mean_i, k)
        ge[:, j] = np.abs(e)
        gi[:, j] = np.abs(i)
    return ge, gi


def clock():
    return time.perf_counter(), time.process_time()


def since(t0):
    wall, cpu = clock()
    return wall - t0[0], cpu - t0[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--neurons", type=int, default=20)
    parser.add_argument("--samples", type=int, default=19000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sklearn-seed-check",
        type=int,
        default=5,
        help="neurons refitted by scikit-learn with another random_state (its own variability)",
    )
    parser.add_argument("--warm-cache", action="store_true", help="use the normal numba cache")
    args = parser.parse_args()

    if not args.warm_cache:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="mcd-bench-numba-")
    from eiplast.analysis import mcd  # before numba: it sets the vector width

    # isort: split
    import numba
    import sklearn
    from sklearn.covariance import MinCovDet

    ge, gi = conductances(args.samples, args.neurons, args.seed)
    data = [np.column_stack([ge[:, j], gi[:, j]]).astype(np.float64) for j in range(args.neurons)]

    t0 = clock()
    mcd.min_cov_det(data[0][:600], seed=0)
    mcd.min_cov_det(data[0][:60], seed=0)
    compile_single = since(t0)[0]
    t0 = clock()
    mcd.robust_conductance_stats(ge[:600, :2], gi[:600, :2], seed=0)
    compile_batch = since(t0)[0]

    rows = []
    for j, X in enumerate(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = clock()
            sk = MinCovDet(random_state=j).fit(X)
            sk_wall, sk_cpu = since(t0)
        t0 = clock()
        ours = mcd.min_cov_det(X, seed=j)
        our_wall, our_cpu = since(t0)
        det_sk = float(np.linalg.det(sk.raw_covariance_))
        rows.append(
            {
                "neuron": j,
                "sklearn_wall_s": sk_wall,
                "sklearn_cpu_s": sk_cpu,
                "eiplast_wall_s": our_wall,
                "eiplast_cpu_s": our_cpu,
                "raw_det_rel_diff": ours.raw_determinant / det_sk - 1.0,
                "rel_diff_location": float(
                    np.max(np.abs(ours.location - sk.location_) / np.abs(sk.location_))
                ),
                "rel_diff_covariance": float(
                    np.max(np.abs(ours.covariance - sk.covariance_))
                    / np.max(np.abs(sk.covariance_))
                ),
                "sklearn_location": sk.location_.tolist(),
                "sklearn_covariance": sk.covariance_.tolist(),
                "eiplast_location": ours.location.tolist(),
                "eiplast_covariance": ours.covariance.tolist(),
            }
        )
        r = rows[-1]
        print(
            f"neuron {j}: sklearn {sk_wall:.3f} s, eiplast {our_wall * 1e3:.1f} ms "
            f"(x{sk_wall / our_wall:.0f}); raw det rel diff {r['raw_det_rel_diff']:+.2e}, "
            f"location {r['rel_diff_location']:.1e}, covariance {r['rel_diff_covariance']:.1e}"
        )

    # scikit-learn's own variability: the same neurons with another random_state
    sk_self = []
    for j in range(min(args.sklearn_seed_check, args.neurons)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk = MinCovDet(random_state=10_000 + j).fit(data[j])
        loc0 = np.array(rows[j]["sklearn_location"])
        cov0 = np.array(rows[j]["sklearn_covariance"])
        sk_self.append(
            (
                float(np.max(np.abs(sk.location_ - loc0) / np.abs(loc0))),
                float(np.max(np.abs(sk.covariance_ - cov0)) / np.max(np.abs(cov0))),
            )
        )

    # the batch kernel over all neurons (serial, then prange)
    t0 = clock()
    batch = mcd.robust_conductance_stats(ge, gi, seed=args.seed)
    batch_wall, batch_cpu = since(t0)
    t0 = clock()
    mcd.robust_conductance_stats(ge[:600, :2], gi[:600, :2], seed=0, parallel=True)
    compile_parallel = since(t0)[0]
    t0 = clock()
    batch_par = mcd.robust_conductance_stats(ge, gi, seed=args.seed, parallel=True)
    par_wall = since(t0)[0]
    assert all(np.array_equal(batch[k], batch_par[k], equal_nan=True) for k in batch)

    def total(key):
        return float(sum(r[key] for r in rows))

    n = args.neurons
    diffs = np.array([r["raw_det_rel_diff"] for r in rows])
    same = np.abs(diffs) <= 1e-9
    result = {
        "command": "python bench/bench_mcd.py"
        + (f" --neurons {n}" if n != 20 else "")
        + (f" --samples {args.samples}" if args.samples != 19000 else ""),
        "n_neurons": n,
        "n_samples": args.samples,
        "speedup": total("sklearn_wall_s") / total("eiplast_wall_s"),
        "speedup_cpu": total("sklearn_cpu_s") / total("eiplast_cpu_s"),
        "seconds_per_neuron": {
            "sklearn": total("sklearn_wall_s") / n,
            "eiplast": total("eiplast_wall_s") / n,
        },
        "cpu_seconds_per_neuron": {
            "sklearn": total("sklearn_cpu_s") / n,
            "eiplast": total("eiplast_cpu_s") / n,
        },
        "batch_seconds_per_neuron": {
            "serial_wall": batch_wall / n,
            "serial_cpu": batch_cpu / n,
            "parallel_wall": par_wall / n,
            "parallel_threads": numba.get_num_threads(),
        },
        "compile_seconds": compile_single + compile_batch,
        "compile_seconds_detail": {
            "min_cov_det": compile_single,
            "robust_conductance_stats": compile_batch,
            "robust_conductance_stats_parallel": compile_parallel,
            "cache": "warm" if args.warm_cache else "empty temporary cache",
        },
        "max_rel_diff_location": float(max(r["rel_diff_location"] for r in rows)),
        "max_rel_diff_covariance": float(max(r["rel_diff_covariance"] for r in rows)),
        "raw_determinant": {
            "same_subset": int(same.sum()),
            "eiplast_lower": int((diffs < -1e-9).sum()),
            "eiplast_higher": int((diffs > 1e-9).sum()),
            "max_rel_diff_same_subset_location": float(
                max([r["rel_diff_location"] for r, s in zip(rows, same, strict=True) if s] or [0])
            ),
            "max_rel_diff_same_subset_covariance": float(
                max([r["rel_diff_covariance"] for r, s in zip(rows, same, strict=True) if s] or [0])
            ),
            "most_negative_rel_diff": float(diffs.min()),
            "identical_final_estimates": int(
                sum(r["rel_diff_location"] < 1e-9 and r["rel_diff_covariance"] < 1e-9 for r in rows)
            ),
        },
        "sklearn_seed_to_seed": {
            "neurons": len(sk_self),
            "max_rel_diff_location": float(max([a for a, _ in sk_self] or [0])),
            "max_rel_diff_covariance": float(max([b for _, b in sk_self] or [0])),
        },
        "definitions": {
            "rel_diff_location": "max_k |loc_ours[k] - loc_sk[k]| / |loc_sk[k]|",
            "rel_diff_covariance": "max |cov_ours - cov_sk| / max |cov_sk| (final estimates)",
            "raw_det_rel_diff": "det(raw_cov_ours) / det(raw_cov_sk) - 1; <= 1e-9 = same subset",
            "speedup": "sum of sklearn wall times / sum of eiplast wall times, per-neuron calls "
            "interleaved, single thread, compile excluded",
        },
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "load_average": list(os.getloadavg()),
        },
        "per_neuron": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(
        f"speedup x{result['speedup']:.1f} (cpu x{result['speedup_cpu']:.1f}); "
        f"sklearn {result['seconds_per_neuron']['sklearn']:.3f} s/neuron, eiplast "
        f"{result['seconds_per_neuron']['eiplast'] * 1e3:.1f} ms/neuron; compile "
        f"{result['compile_seconds']:.1f} s; max rel diff location "
        f"{result['max_rel_diff_location']:.1e}, covariance "
        f"{result['max_rel_diff_covariance']:.1e}; written {OUT}"
    )


if __name__ == "__main__":
    main()
