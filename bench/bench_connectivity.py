"""Connectivity generation at full size (N_E 8000, N_I 2000, P from --patterns).

Each measurement runs in a fresh process (numba cache warm), reporting wall time and peak RSS;
the first run after clearing the cache shows the compile cost. Writes
``bench/results/connectivity.json``.

    python bench/bench_connectivity.py --patterns 1000 3000
"""

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, resource, time
from eiplast.assembly.connectivity import generate_connectivity
from eiplast.assembly.params import ConnectivityParams
t = time.perf_counter()
net = generate_connectivity(ConnectivityParams(n_patterns={p}))
wall = time.perf_counter() - t
print(json.dumps({{"patterns": {p}, "wall_s": wall, "synapses": int(net.n_synapses),
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patterns", type=int, nargs="+", default=[1000])
    args = parser.parse_args()
    results = []
    for p in args.patterns:
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(p=p)], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1])
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/connectivity.json").write_text(
        json.dumps(
            {
                "command": "python bench/bench_connectivity.py --patterns "
                + " ".join(map(str, args.patterns)),
                "targets": {"wall_s": 15, "peak_rss_mb": 1536},
                "results": results,
                "machine": {"platform": platform.platform(), "python": platform.python_version()},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
