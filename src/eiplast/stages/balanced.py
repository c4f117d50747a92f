"""Stages of the balanced networks (Akil et al. 2021; docs/model-description.md Part B): one
simulation per experiment point, its summary, and the figure of each experiment."""

import json
from pathlib import Path

from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import write_csv
from eiplast.balanced import figures, scaling
from eiplast.balanced.experiments import (
    SCAN_LABEL,
    SCAN_PARAM,
    gather_summaries,
    gather_timecourses,
    summarize_run,
    timecourse,
    write_json,
)
from eiplast.balanced.params import BalancedParams
from eiplast.balanced.simulate import run_balanced_stage
from eiplast.balanced.stats import spike_window
from eiplast.engine.chunked import describe_checkpoint
from eiplast.engine.progress import note

EXPERIMENTS = ("size", "istdp", "correlation", "optogenetics")


def run(point_config, output, *, experiment, point):
    """Rule ``balanced_run``: simulate one experiment point (``point_config``: BalancedParams
    fields, duration_s, seed, chunk_s …) into the spike file ``output``."""
    stage = f"balanced_{experiment}"
    note(f"{stage} {point} -> {output}; parameters {dict(point_config)}")
    note(describe_checkpoint(output))
    summary = run_balanced_stage(dict(point_config), output, stage=stage, progress=True)
    note(f"{stage} {point}: finished, {summary}")


def summary(spike_file, summary_json, timecourse_csv, *, experiment, point, analysis):
    """Rule ``balanced_summary``: rates after the burn-in, mean weights, spike-count
    covariances and correlations, mean-field predictions (JSON), and the time course of the
    population rates and recorded mean weights (CSV). ``analysis``: the section
    ``balanced.summary`` (burn_in_s, window_ms, n_sample, seed, bin_ms)."""
    result = summarize_run(
        spike_file,
        experiment=experiment,
        point=point,
        burn_in_s=analysis["burn_in_s"],
        window_ms=analysis["window_ms"],
        n_sample=analysis["n_sample"],
        seed=analysis["seed"],
    )
    write_json(result, summary_json)
    if result["exploded_at_s"] is not None:
        note(f"the run exploded at {result['exploded_at_s']:g} s: no steady-state rates")
    else:
        note(
            f"rates E {result['rate_exc_hz']:.3f} Hz, I {result['rate_inh_hz']:.3f} Hz after "
            f"{result['burn_in_s']} s; final mean weights {result.get('final_mean_weights')}"
        )
    table = write_csv(timecourse(spike_file, bin_ms=analysis["bin_ms"]), timecourse_csv)
    note(f"time course: {len(table)} bins of {analysis['bin_ms']} ms")


def experiment_figure(
    summary_files, table_csv, output_png, *, experiment, timecourse_files=(), timecourse_csv=None,
    balance_png=None, distributions_png=None, benchmark_files=(), scaling_csv=None,
    costs_csv=None, costs_png=None, first_run=None,
):  # fmt: skip
    """Rules ``balanced_size``, ``balanced_istdp``, ``balanced_correlation``,
    ``balanced_optogenetics``: the summaries of one experiment in one table and its figure;
    the distributions of weights and correlations of its runs (``distributions_png``); istdp
    and optogenetics also gather the time courses, and draw the input currents of their first
    run and a raster of its spike file ``first_run`` (``balance_png``: the last 2 s, or with
    a stimulation window 1 s either side of its onset); size fits its power laws in N
    (``scaling_csv``) and tabulates and draws the time and peak memory of its runs from
    their ``benchmark_files`` (``costs_csv``, ``costs_png``: measurements of the machine, kept
    apart from the results)."""
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown balanced experiment {experiment!r} (one of {EXPERIMENTS})")
    summaries = [json.loads(Path(path).read_text()) for path in summary_files]
    table = write_csv(gather_summaries(summaries, experiment=experiment), table_csv)
    note(f"{experiment}: {len(table)} runs\n{table.iloc[:, :12].to_string()}")
    if experiment == "size":
        fits = write_csv(scaling.size_scaling(table), scaling_csv)
        note(f"power laws in N:\n{fits.to_string()}")
        costs = write_csv(scaling.run_costs(summaries, benchmark_files), costs_csv)
        note(f"time and memory per run:\n{costs.to_string()}")
        save_figure(figures.costs_figure(costs), str(costs_png).removesuffix(".png"))
        fig = figures.size_figure(table, scaling=fits)
    elif experiment == "istdp":
        course = gather_timecourses(timecourse_files, summaries)
        write_csv(course, timecourse_csv)
        fig = figures.istdp_figure(course, table)
    elif experiment == "optogenetics":
        course = write_csv(gather_timecourses(timecourse_files, summaries), timecourse_csv)
        params = summaries[0]["params"]
        fig = figures.optogenetics_figure(
            course, window_s=(params["opto_start_s"], params["opto_stop_s"]),
            rho_ei_hz=params["rho_ei_hz"] if params["eta_ei"] else None,
        )  # fmt: skip
    else:
        fig = figures.correlation_figure(table)
    save_figure(fig, str(output_png).removesuffix(".png"))
    if distributions_png is not None:
        scan = SCAN_PARAM[experiment]
        fig = figures.distributions_figure(summaries, scan=scan, label=SCAN_LABEL.get(scan, scan))
        save_figure(fig, str(distributions_png).removesuffix(".png"))
    if balance_png is not None:
        summary = summaries[0]
        run = course[course["point"] == summary["point"]]
        params, marked, raster = summary["params"], 0, None
        if first_run is not None:
            t_end = float(summary["duration_s"])
            t0, t1 = t_end - 2.0, t_end
            p = BalancedParams.from_dict(params)
            if p.opto:
                t0, t1 = p.opto_start_s - 1.0, p.opto_start_s + 1.0
                marked = p.n_opto_targets
            raster = spike_window(first_run, max(0.0, t0), t1)
        fig = figures.balance_figure(run, title=f"{experiment} {summary['point']}",
                                     raster=raster, marked_exc=marked)  # fmt: skip
        save_figure(fig, str(balance_png).removesuffix(".png"))


def sweep_figure(summary_files, timecourse_files, table_csv, timecourse_csv, output_png,
                 distributions_png, *, scan, name):  # fmt: skip
    """Rule ``balanced_sweep``: the runs of one sweep of ``balanced.sweeps`` (scanning the
    ``BalancedParams`` field ``scan``) in one table and one time-course table, the sweep's
    figure and the distributions of its runs."""
    summaries = [json.loads(Path(path).read_text()) for path in summary_files]
    table = write_csv(gather_summaries(summaries, experiment=name, scan=scan), table_csv)
    note(f"sweep {name} over {scan}: {len(table)} runs\n{table.iloc[:, :14].to_string()}")
    course = gather_timecourses(timecourse_files, summaries)
    scanned = dict(zip(table["point"], table["scanned"], strict=True))
    course.insert(1, "scanned", course["point"].map(scanned))
    write_csv(course, timecourse_csv)
    save_figure(figures.sweep_figure(table, course, scan=scan, title=name),
                str(output_png).removesuffix(".png"))  # fmt: skip
    fig = figures.distributions_figure(summaries, scan=scan, label=scan)
    save_figure(fig, str(distributions_png).removesuffix(".png"))
