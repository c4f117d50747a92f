"""Stages that gather tables: the per-neuron shards of one run, and the summary tables of the
whole reproduction."""

import pandas as pd

from eiplast.analysis.paper import paper_vs_ours, replay_rows
from eiplast.analysis.reference import published_comparison, published_growth, published_replay
from eiplast.analysis.summary import (
    gather_shards,
    replay_aggregate,
    replay_table,
    sensitivity_table,
    write_csv,
    write_html_table,
)
from eiplast.engine.progress import note


def gather(shard_files, output, *, n_neurons):
    """Rules ``conductance_stats`` and ``sensitivity``: the shard tables in one table (rows by
    neuron; the shards must cover ``0 … n_neurons − 1`` exactly)."""
    table = gather_shards(list(shard_files), output, n_neurons=n_neurons)
    note(f"gathered {len(shard_files)} shard(s), {len(table)} neurons")


def summary(
    replay_rows,
    sensitivity_files,
    stats_files,
    replay_csv,
    replay_html,
    aggregate_csv,
    aggregate_html,
    sensitivity_csv,
    *,
    runs,
    replay_realisations,
    rule_order,
):
    """Rule ``summary``: the replay table (one row per rule × P × realisation × run) and its
    aggregate over realisations (mean, sd, n, 95 % interval of every statistic) as CSV and
    HTML, and the per-neuron sensitivity table joined with the robust conductance statistics.

    ``runs``: ``{"rule", "patterns", "realisation"}`` of each sensitivity/stats file pair;
    ``replay_realisations``: the realisation of each replay row; ``rule_order``: the configured
    rules, in the order the replay table lists them.
    """
    replay = replay_table(list(replay_rows), replay_realisations, rule_order=rule_order)
    write_csv(replay, replay_csv)
    write_html_table(replay, replay_html, "Replay statistics (model description A8)")
    note(f"replay table: {len(replay)} rows\n{replay.iloc[:, :10].to_string()}")
    aggregate = replay_aggregate(replay)
    write_csv(aggregate, aggregate_csv)
    write_html_table(aggregate, aggregate_html, "Replay statistics over network realisations")
    note(f"aggregate: {len(aggregate)} rows")
    sensitivity = sensitivity_table(runs, sensitivity_files, stats_files)
    write_csv(sensitivity, sensitivity_csv)
    note(f"sensitivity table: {len(sensitivity)} rows")


def reference_comparison(
    aggregate_csv, reference_replay, reference_growth, output_csv, output_html, *, analysed_s
):
    """Rule ``reference_comparison``: every statistic the reference publishes
    (``activation_stats.csv``; nunique at our analysed time from ``gradual.csv``) beside our
    mean and 95 % interval over realisations, and whether the published value lies inside that
    interval. ``analysed_s``: run → seconds of spontaneous activity analysed."""
    table = published_comparison(
        pd.read_csv(aggregate_csv),
        published_replay(reference_replay),
        published_growth(reference_growth),
        analysed_s,
    )
    write_csv(table, output_csv)
    write_html_table(table, output_html, "Replay statistics against the reference's published")
    inside = table["inside"].dropna()
    note(f"{len(table)} comparisons; the published value inside our interval: "
         f"{int(inside.sum())} of {len(inside)} with an interval")  # fmt: skip


def paper_table(key_files, output_csv, output_html, *, replay_comparison=None):
    """Rule ``paper_vs_ours``: the key numbers of every figure that has published values
    (``key_files``, written by the figure stages) and, when given, the replay comparison over
    realisations (``replay_comparison``, the ``reference_comparison`` table) in one table."""
    tables = [pd.read_csv(path) for path in key_files]
    if replay_comparison is not None:
        tables.append(replay_rows(pd.read_csv(replay_comparison)))
    table = paper_vs_ours(tables)
    write_csv(table, output_csv)
    write_html_table(table, output_html, "The paper's published values and ours")
    with_reference = table["reference"].notna()
    note(f"{len(table)} key numbers, {int(with_reference.sum())} with a published value")
