"""What every workflow script shares (Snakemake puts this directory on ``sys.path``): the job's
log and thread count around its one stage call.

Importing this module puts the checkout's ``src/`` first on ``sys.path``, so the scripts run this
checkout's ``eiplast`` whatever else is installed in the job's environment (an editable install
of another checkout included).
"""

import contextlib
import os
import sys
import time
import traceback
from pathlib import Path

_SRC = Path(__file__).resolve().parents[2] / "src"
if _SRC.is_dir():
    if str(_SRC) in sys.path:
        sys.path.remove(str(_SRC))
    sys.path.insert(0, str(_SRC))

from eiplast.engine.progress import note  # noqa: E402


@contextlib.contextmanager
def logged(snakemake):
    """Run the block with stdout and stderr (file descriptors 1 and 2, so also output of
    compiled code and tqdm progress bars) appended to the job's log file; set the number of
    numba threads to the job's ``threads``. A failure's traceback goes to the log only, and the
    script exits with status 1: Snakemake prints the failed job's log (show-failed-logs), so the
    traceback appears once on the console."""
    log = Path(snakemake.log[0])
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "a", buffering=1) as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        start = time.perf_counter()
        try:
            _set_threads(snakemake.threads)
            note(f"rule {snakemake.rule}: start (threads {snakemake.threads})")
            yield
            note(f"rule {snakemake.rule}: done in {time.perf_counter() - start:.1f} s")
        except Exception:
            traceback.print_exc()
            raise SystemExit(1) from None
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _set_threads(threads):
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
