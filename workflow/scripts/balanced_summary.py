"""Summary of one balanced-network run: rates after the burn-in, mean weights, spike-count
covariances and correlations, mean-field predictions (JSON), and the time course of the
population rates and recorded mean weights (CSV)."""

from _common import logged, progress

from eiplast.analysis.summary import write_csv
from eiplast.balanced.experiments import summarize_run, timecourse, write_json

sm = snakemake  # noqa: F821

with logged(sm):
    opts = dict(sm.params.analysis)
    summary = summarize_run(
        sm.input.spikes,
        experiment=sm.wildcards.experiment,
        point=sm.wildcards.point,
        burn_in_s=opts["burn_in_s"],
        window_ms=opts["window_ms"],
        n_sample=opts["n_sample"],
        seed=opts["seed"],
    )
    write_json(summary, sm.output.summary)
    progress(
        f"rates E {summary['rate_exc_hz']:.3f} Hz, I {summary['rate_inh_hz']:.3f} Hz after "
        f"{summary['burn_in_s']} s; final mean weights {summary.get('final_mean_weights')}"
    )
    table = write_csv(timecourse(sm.input.spikes, bin_ms=opts["bin_ms"]), sm.output.timecourse)
    progress(f"time course: {len(table)} bins of {opts['bin_ms']} ms")
