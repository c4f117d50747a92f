"""The paper-vs-ours table: each figure's key numbers beside the reference's published ones.

Every figure stage that draws something the reference publishes writes its key numbers as a
small table (``key_numbers``); ``paper_vs_ours`` joins them, and the replay comparison over
realisations (``reference.published_comparison``), into one table with the columns of
``COLUMNS``: the paper's figure, the quantity (with its unit), the label (rule, or
``shuffle``), P, the reference's value, ours, their difference (ours − reference), and for
quantities swept over network realisations whether the reference lies inside our 95 %
interval (empty otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eiplast.analysis.summary import mean_interval

COLUMNS = ("figure", "quantity", "label", "patterns", "reference", "ours", "difference", "inside")
# the statistics a per-neuron distribution is summarised by
DISTRIBUTION_STATISTICS = {"mean": np.mean, "median": np.median, "sd": np.std}


def key_numbers(
    figure: str,
    quantity: str,
    patterns: int,
    ours: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Mean, median and sd (population sd, ddof 0) of a per-neuron ``quantity`` for every label
    of ``ours`` (label → values), beside the same of ``reference`` (NaN where it has no values
    for the label). One row per label × statistic, columns ``COLUMNS``."""
    rows = []
    for label, values in ours.items():
        values = np.asarray(values, float)
        published = None if reference is None else reference.get(label)
        for name, statistic in DISTRIBUTION_STATISTICS.items():
            mine = float(statistic(values))
            theirs = np.nan if published is None else float(statistic(np.asarray(published)))
            rows.append({"figure": figure, "quantity": f"{quantity}, {name}", "label": label,
                         "patterns": int(patterns), "reference": theirs, "ours": mine,
                         "difference": mine - theirs, "inside": pd.NA})  # fmt: skip
    return _typed(pd.DataFrame(rows, columns=list(COLUMNS)))


def swept_rows(
    figure: str,
    quantities: Mapping[str, str],
    ours: pd.DataFrame,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows of statistics measured in every network realisation: for each column of
    ``quantities`` (column → quantity named in the table), label and P of ``ours`` (columns
    ``label``, ``patterns``, one row per realisation), our mean over realisations beside the
    ``reference`` row of the same label and P (NaN where it has none), and whether the reference
    lies in our 95 % interval (``summary.mean_interval``; empty with one realisation)."""
    rows = []
    published = (
        reference.set_index(["label", "patterns"]) if reference is not None else pd.DataFrame()
    )
    for (label, patterns), group in ours.groupby(["label", "patterns"], sort=False):
        for column, quantity in quantities.items():
            values = group[column].to_numpy(float)
            if not np.isfinite(values).any():
                continue
            interval = mean_interval(values[np.isfinite(values)])
            theirs = np.nan
            if (label, patterns) in published.index and column in published.columns:
                theirs = float(published.loc[(label, patterns), column])
            inside = pd.NA
            if np.isfinite(interval["ci95_low"]) and np.isfinite(theirs):
                inside = bool(interval["ci95_low"] <= theirs <= interval["ci95_high"])
            rows.append({"figure": figure, "quantity": quantity, "label": label,
                         "patterns": int(patterns), "reference": theirs,
                         "ours": interval["mean"], "difference": interval["mean"] - theirs,
                         "inside": inside})  # fmt: skip
    return _typed(pd.DataFrame(rows, columns=list(COLUMNS)))


def replay_rows(comparison: pd.DataFrame, figure: str = "Fig 2") -> pd.DataFrame:
    """The replay comparison (``reference.published_comparison``: our mean over realisations,
    its interval and the published value per label × P × statistic) as paper-vs-ours rows."""
    quantity = comparison["statistic"] + " at " + comparison["time_s"].map("{:g} s".format)
    table = pd.DataFrame({
        "figure": figure, "quantity": quantity, "label": comparison["label"],
        "patterns": comparison["patterns"], "reference": comparison["reference"],
        "ours": comparison["mean"], "difference": comparison["mean"] - comparison["reference"],
        "inside": comparison["inside"],
    })  # fmt: skip
    return _typed(table)


def paper_vs_ours(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The key-number tables in one, ordered by figure, quantity, label and P."""
    table = pd.concat([_typed(t[list(COLUMNS)]) for t in tables], ignore_index=True)
    return table.sort_values(["figure", "quantity", "label", "patterns"], kind="stable",
                             ignore_index=True)  # fmt: skip


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype({"patterns": int, "reference": float, "ours": float,
                         "difference": float, "inside": "boolean"})  # fmt: skip
