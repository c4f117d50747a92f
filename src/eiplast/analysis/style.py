"""The project's plot style: rcParams, colours and names of rules and populations, and the
figure helpers every figure module uses (matplotlib, Agg backend).

Figure functions are decorated with :func:`styled` and start from :func:`new_figure`;
:func:`save_figure` writes PNG and PDF, each under a temporary name first, without dates.
"""

from __future__ import annotations

import functools
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from eiplast.engine.h5io import atomic_path  # noqa: E402

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.2,
    "pdf.fonttype": 42,
}

# rule names as in the configs → names used in the paper
RULE_LABELS = {
    "hebb": "fLHP",
    "hebb_smooth_rate": "sLHP",
    "rate": "GHP",
    "hebb_nonadapt": "fLHP, non-adapting",
    "shuffle": "shuffle",
    "uniform": "uniform",
}
RULE_COLORS = {
    "hebb": "#1f77b4",
    "hebb_smooth_rate": "#2ca02c",
    "rate": "#d62728",
    "hebb_nonadapt": "#17becf",
    "shuffle": "#7f7f7f",
    "uniform": "#b0b0b0",  # the inhibitory-specialisation baseline: equal I→E weights
}
EXC_COLOR = "#c0392b"
INH_COLOR = "#2e86c1"
NEUTRAL = "0.35"
# assemblies in the raster: tab10 without its blue (I spikes) and grey (E spikes)
ASSEMBLY_COLORS = ("#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22")


# the label suffix of a rule's spontaneous run with plasticity on (spontaneous_learning)
LEARNING_SUFFIX = "_learning"


def rule_label(rule: str) -> str:
    """The paper's name of a configured rule (unknown names as they are); a learning run's
    label ``<rule>_learning`` is the rule's name with ", plastic"."""
    if rule.endswith(LEARNING_SUFFIX) and rule not in RULE_LABELS:
        return f"{rule_label(rule.removesuffix(LEARNING_SUFFIX))}, plastic"
    return RULE_LABELS.get(rule, rule)


def rule_color(rule: str, i: int) -> str:
    """The colour of a rule (a learning run's: its rule's); unknown rules take matplotlib's
    cycle colour ``i``."""
    if rule.endswith(LEARNING_SUFFIX) and rule not in RULE_COLORS:
        rule = rule.removesuffix(LEARNING_SUFFIX)
    return RULE_COLORS.get(rule, f"C{i % 10}")


def styled(func):
    """Run a figure function inside the project style (fonts are fixed at artist creation)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 3.4, height: float = 2.6):
    """``(fig, axes)``: a bare Figure (no pyplot state: nothing to close, safe in long
    workflow processes) with an ``nrows × ncols`` array of axes, each ``width × height`` inches.
    """
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


# no creation date in the PDF (matplotlib writes the current time unless SOURCE_DATE_EPOCH is
# set), so that the same figure gives the same bytes; the PNG has no date to begin with
_SAVE_METADATA = {"png": None, "pdf": {"CreationDate": None}}


def save_figure(fig: Figure, path_without_ext: str | os.PathLike) -> list[str]:
    """Write ``<path>.png`` and ``<path>.pdf`` (each via a temporary name + rename).

    The bytes depend only on the figure (and the matplotlib version): no dates are written.
    """
    base = os.fspath(path_without_ext)
    written = []
    with plt.rc_context(STYLE):
        for ext in ("png", "pdf"):
            target = f"{base}.{ext}"
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=ext, metadata=_SAVE_METADATA[ext])
            written.append(target)
    return written
