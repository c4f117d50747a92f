"""Stages that gather tables: the per-neuron shards of one run, and the summary tables of the
whole reproduction."""

from eiplast.analysis.summary import (
    gather_shards,
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
    sensitivity_csv,
    *,
    runs,
    rule_order,
):
    """Rule ``summary``: the replay table (one row per rule × P × run) as CSV and HTML, and the
    per-neuron sensitivity table joined with the robust conductance statistics.

    ``runs``: ``{"rule", "patterns"}`` of each sensitivity/stats file pair; ``rule_order``: the
    configured rules, in the order the replay table lists them.
    """
    replay = replay_table(replay_rows, rule_order=rule_order)
    write_csv(replay, replay_csv)
    write_html_table(replay, replay_html, "Replay statistics (model description A8)")
    note(f"replay table: {len(replay)} rows\n{replay.iloc[:, :9].to_string()}")
    sensitivity = sensitivity_table(runs, sensitivity_files, stats_files)
    write_csv(sensitivity, sensitivity_csv)
    note(f"sensitivity table: {len(sensitivity)} rows")
