"""Replay of old and new assemblies after sequential embedding (docs/forgetting.md).

The network after block b holds P₀ + b·ΔP patterns: block 0 is patterns 0 … P₀ − 1, block
k ≥ 1 is patterns P₀ + (k − 1)·ΔP … P₀ + k·ΔP − 1. Every statistic of the replay table (A8) is
computed per block over that block's patterns alone (``replay.event_statistics`` with the
events of those patterns, renumbered from 0), so the rows of the oldest and the newest block
compare like with like.
"""

import numpy as np
import pandas as pd

from eiplast.analysis.replay import event_statistics


def pattern_blocks(pattern, first_block: int, block_size: int) -> np.ndarray:
    """Block of each pattern index: 0 below ``first_block`` (P₀), else
    1 + (pattern − P₀) // ``block_size`` (ΔP)."""
    if first_block < 1 or block_size < 1:
        raise ValueError(f"first_block {first_block} and block_size {block_size} must be >= 1")
    pattern = np.asarray(pattern, np.int64)
    if pattern.size and pattern.min() < 0:
        raise ValueError(f"negative pattern index {pattern.min()}")
    return np.where(pattern < first_block, 0, 1 + (pattern - first_block) // block_size)


def block_bounds(n_patterns: int, first_block: int, block_size: int) -> list[tuple[int, int]]:
    """[start, stop) pattern range of every block of a network with ``n_patterns`` patterns,
    which must be P₀ + b·ΔP."""
    extra = n_patterns - first_block
    if extra < 0 or extra % block_size:
        raise ValueError(
            f"{n_patterns} patterns are not {first_block} + a whole number of blocks of "
            f"{block_size}"
        )
    bounds = [(0, first_block)]
    bounds += [(first_block + k * block_size, first_block + (k + 1) * block_size)
               for k in range(extra // block_size)]  # fmt: skip
    return bounds


def replay_by_block(
    start,
    duration,
    pattern,
    *,
    n_patterns: int,
    first_block: int,
    block_size: int,
    measure_windows: float,
    step_ms: float,
) -> pd.DataFrame:
    """One row per block of the network's patterns (``block_bounds``): ``block``,
    ``first_pattern``, ``n_block_patterns``, ``age`` (``first`` for block 0, ``latest`` for the
    last block, ``middle`` between; a one-block network's block is ``first``), then the replay
    statistics of ``event_statistics`` over the block's events (``n_events``, ``nunique``,
    ``n_patterns_replayed``, ``entropy`` = exp of the bias-corrected entropy in nats,
    ``mean_freq``, ``mean_dur_ms`` …), ``fraction_replayed`` = n_patterns_replayed /
    n_block_patterns and ``events_per_s``. Events: arrays ``start``, ``duration`` (windows of
    ``step_ms``) and ``pattern`` of an activations table; ``measure_windows``: the analysed
    length in windows."""
    start = np.asarray(start, np.int64)
    duration = np.asarray(duration, np.int64)
    pattern = np.asarray(pattern, np.int64)
    bounds = block_bounds(n_patterns, first_block, block_size)
    if pattern.size and pattern.max() >= n_patterns:
        raise ValueError(f"event pattern {pattern.max()} outside 0 … {n_patterns - 1}")
    block = pattern_blocks(pattern, first_block, block_size)
    seconds = measure_windows * step_ms / 1000.0
    rows = []
    for b, (lo, hi) in enumerate(bounds):
        sel = block == b
        stats = event_statistics(start[sel], duration[sel], pattern[sel] - lo, n_patterns=hi - lo,
                                 measure_windows=measure_windows, step_ms=step_ms)  # fmt: skip
        age = "first" if b == 0 else ("latest" if b == len(bounds) - 1 else "middle")
        rows.append({
            "block": b, "first_pattern": lo, "n_block_patterns": hi - lo, "age": age, **stats,
            "fraction_replayed": stats["n_patterns_replayed"] / (hi - lo),
            "events_per_s": stats["n_events"] / seconds,
        })  # fmt: skip
    return pd.DataFrame(rows)


def forgetting_curves(table: pd.DataFrame) -> pd.DataFrame:
    """From the rows of ``replay_by_block`` of every run (columns ``protocol``, ``rule``,
    ``realisation``, ``patterns``, ``block`` …): the first block's ``fraction_replayed`` and
    ``events_per_s`` against P per protocol and rule, as mean, s.d. and number of
    realisations (``*_mean``, ``*_sd``, ``n_realisations``)."""
    first = table[table["block"] == 0]
    grouped = first.groupby(["protocol", "rule", "patterns"], sort=True)
    out = grouped.agg(
        fraction_replayed_mean=("fraction_replayed", "mean"),
        fraction_replayed_sd=("fraction_replayed", "std"),
        events_per_s_mean=("events_per_s", "mean"),
        events_per_s_sd=("events_per_s", "std"),
        n_realisations=("realisation", "nunique"),
    )
    return out.reset_index()
