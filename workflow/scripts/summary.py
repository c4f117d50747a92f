"""Summary tables: the replay table (one row per rule x P x run) as CSV and HTML, and the
per-neuron sensitivity table joined with the robust conductance statistics."""

from _common import logged, progress

from eiplast.analysis.summary import replay_table, sensitivity_table, write_csv, write_html_table

sm = snakemake  # noqa: F821

with logged(sm):
    replay = replay_table(sm.input.replay, rule_order=sm.params.rule_order)
    write_csv(replay, sm.output.replay)
    write_html_table(replay, sm.output.replay_html, "Replay statistics (model description A8)")
    progress(f"replay table: {len(replay)} rows\n{replay.iloc[:, :9].to_string()}")
    sens = sensitivity_table(sm.params.runs, sm.input.sensitivity, sm.input.stats)
    write_csv(sens, sm.output.sensitivity)
    progress(f"sensitivity table: {len(sens)} rows")
