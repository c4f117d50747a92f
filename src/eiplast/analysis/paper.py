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
