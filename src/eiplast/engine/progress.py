"""Progress bars that read well in a terminal and in a log file.

In a terminal, tqdm redraws one line in place. Written to a file (a job's log), the same
carriage returns would crush every update onto one line; there each update becomes a line of
its own, at most one every ``LOG_INTERVAL_S`` seconds.
"""

import io
import sys
import time

from tqdm import tqdm

LOG_INTERVAL_S = 30.0  # least time between two progress lines in a log


class _LineWriter(io.TextIOBase):
    """A text stream for tqdm that turns each redraw (``\\r`` + status) into one line."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        line = text.replace("\r", "").rstrip("\n")
        if line.strip():
            self.stream.write(line + "\n")
        return len(text)

    def flush(self):
        self.stream.flush()


def progress_bar(*, total, initial=0, desc, unit, disable=False, interval_s=5.0, stream=None):
    """A tqdm bar on ``stream`` (default stderr): redrawn in place at most every ``interval_s``
    seconds on a terminal, else one line per update at most every ``LOG_INTERVAL_S``."""
    stream = sys.stderr if stream is None else stream
    terminal = stream.isatty()
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        disable=disable,
        file=stream if terminal else _LineWriter(stream),
        mininterval=interval_s if terminal else LOG_INTERVAL_S,
        ascii=None if terminal else True,
        dynamic_ncols=terminal,
    )


def note(message):
    """One time-stamped line on stdout (a job's log), flushed at once."""
    print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}", flush=True)
