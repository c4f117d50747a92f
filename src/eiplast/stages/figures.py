"""Stages that draw the reproduction's figures: each writes ``<name>.png`` and ``<name>.pdf``
(``output_png`` names the PNG) and, where a figure has data of its own, a CSV beside it."""

from pathlib import Path

import numpy as np
import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.excitability import excitability_summary
from eiplast.analysis.figures import (
    CONNECTIVITY_SWEEP_PANELS,
    EXCITABILITY_SWEEP_PANELS,
    LINEAR_SWEEP_PANELS,
    RECALL_SWEEP_PANELS,
    SPECIALISATION_SWEEP_PANELS,
    SUSCEPTIBILITY_SWEEP_PANELS,
    assembly_traces_figure,
    completion_figure,
    conductance_fit_figure,
    eigen_activity_figure,
    eigen_figure,
    excitability_figure,
    input_totals_figure,
    linear_response_figure,
    ou_figure,
    raster_figure,
    rate_histograms_figure,
    recall_figure,
    replay_conductances_figure,
    replay_diversity_figure,
    replay_growth_figure,
    sensitivity_scatter_figure,
    specialisation_figure,
    summary_sweep_figure,
    susceptibility_figure,
    weight_distribution_figure,
)
from eiplast.analysis.inputs import e_input_totals
from eiplast.analysis.linear import linear_summary
from eiplast.analysis.paper import key_numbers, swept_rows
from eiplast.analysis.reference import (
    PUBLISHED_N_EXC,
    PUBLISHED_RESPONSES,
    PUBLISHED_RESPONSES_PATTERNS,
    PUBLISHED_RESPONSES_RULE,
    PUBLISHED_TRACES_PATTERNS,
    PUBLISHED_TRACES_RULE,
    PUBLISHED_TRACES_START_S,
    REFERENCE_COMMIT,
    published_assembly_traces,
    published_excitability,
    published_excitability_file,
    published_growth,
    published_linear_files,
    published_neurons,
    published_nunique_at,
    published_replay,
    published_responses,
    published_specialisation_files,
    published_table,
)
from eiplast.analysis.replay import replay_growth
from eiplast.analysis.specialisation import specialisation_summary
from eiplast.analysis.style import rule_label, save_figure
from eiplast.analysis.summary import (
    ei_weights,
    neuron_rates,
    spike_file_info,
    spikes_between,
    write_csv,
)
from eiplast.assembly.connectivity import load_connectivity, load_patterns
from eiplast.assembly.perturbation import PerturbationSchedule
from eiplast.engine.formats import read_conductances
from eiplast.engine.progress import note
from eiplast.stages.linear import exc_sensitivity


def _save(fig, output_png):
    save_figure(fig, str(output_png).removesuffix(".png"))


def raster(spike_file, activations_file, network_file, output_png, *, start_s, length_s):
    """Rule ``figure_raster``: spike raster of ``[start_s, start_s + length_s)`` (s) of one
    spontaneous run, with its detected assembly activations (the window is moved inside the
    run if it would end after it)."""
    events = load_activations(activations_file)
    patterns = load_patterns(network_file)
    info = spike_file_info(spike_file)
    dt_ms = info["dt_ms"]
    length = min(float(length_s), info["duration_s"])
    t0 = min(float(start_s), info["duration_s"] - length)
    neuron, step, _ = spikes_between(spike_file, t0, t0 + length)
    note(f"raster of [{t0}, {t0 + length}) s: {len(neuron)} spikes, {len(events)} events")
    fig = raster_figure(
        neuron,
        step,
        n_exc=info["n_exc"],
        dt_ms=dt_ms,
        t_start_s=t0,
        t_stop_s=t0 + length,
        events=events,
        pattern_indptr=patterns.indptr,
        pattern_members=patterns.members,
        skip_s=events.attrs["skip_steps"] * dt_ms / 1000.0,
        step_ms=events.attrs["step_steps"] * dt_ms,
        window_ms=events.attrs["window_steps"] * dt_ms,
    )
    _save(fig, output_png)


def rate_histograms(
    spike_files, output_png, key_csv, *, rules, skip_s, patterns, reference_dir=None
):
    """Rule ``figure_rates``: per-neuron firing rates of the spontaneous runs of one P, one
    curve per rule (``rules[k]`` ran ``spike_files[k]``), beside the reference's published
    rates when ``reference_dir`` is given and P is theirs (``published_neurons``); the means,
    medians and sds of both in ``key_csv`` (paper Fig 1H). The reference counts the whole run,
    we skip its first ``skip_s`` seconds."""
    rates = {}
    for rule, path in zip(rules, spike_files, strict=True):
        rates[rule] = neuron_rates(path, skip_s=skip_s)
        note(f"{rule}: mean E {rates[rule][0].mean():.2f} Hz, I {rates[rule][1].mean():.2f} Hz")
    published, reference_note = published_neurons(reference_dir, "firing_rates", rules, patterns)
    reference = None
    if published is not None:
        reference = {r: (v[:PUBLISHED_N_EXC], v[PUBLISHED_N_EXC:]) for r, v in published.items()}
    keys = [
        key_numbers("Fig 1H", f"{pop} rate (Hz)", patterns,
                    {r: v[col] for r, v in rates.items()},
                    None if reference is None else {r: v[col] for r, v in reference.items()})
        for col, pop in enumerate(("E", "I"))
    ]  # fmt: skip
    write_csv(pd.concat(keys, ignore_index=True), key_csv)
    figure = rate_histograms_figure(rates, reference=reference, reference_note=reference_note)
    _save(figure, output_png)


def input_totals(trained_files, output_png, key_csv, *, rules, patterns, reference_dir=None):
    """Rule ``figure_input_totals``: each E neuron's summed I→E weights (total inhibition) and
    summed E→E weights (total excitation) in the trained networks of one P, one curve per rule
    (``rules[k]`` trained ``trained_files[k]``), beside the reference's published total
    inhibition when ``reference_dir`` is given and P is theirs; the means, medians and sds in
    ``key_csv`` (paper Fig 1J; the reference's total-excitation files repeat its inhibition,
    so excitation has no published values)."""
    totals = {}
    for rule, path in zip(rules, trained_files, strict=True):
        net = load_connectivity(path)
        totals[rule] = e_input_totals(net.indptr, net.post, net.weight_nS, net.n_exc)
        note(f"{rule}: total inhibition {totals[rule][0].mean():.1f} nS, "
             f"excitation {totals[rule][1].mean():.1f} nS (means over E neurons)")  # fmt: skip
    published, reference_note = published_neurons(reference_dir, "tot_inhib", rules, patterns)
    keys = [
        key_numbers("Fig 1J", "total inhibition per E neuron (nS)", patterns,
                    {r: v[0] for r, v in totals.items()}, published),
        key_numbers("Fig 1J", "total excitation per E neuron (nS)", patterns,
                    {r: v[1] for r, v in totals.items()}),
    ]  # fmt: skip
    write_csv(pd.concat(keys, ignore_index=True), key_csv)
    figure = input_totals_figure(
        totals, reference_inhibition=published, reference_note=reference_note
    )
    _save(figure, output_png)


def weight_distribution(trained_files, output_png, *, rules):
    """Rule ``figure_weights``: the trained I→E weights of one P, one curve per rule."""
    weights = {rule: ei_weights(path) for rule, path in zip(rules, trained_files, strict=True)}
    _save(weight_distribution_figure(weights), output_png)


def replay_diversity(
    replay_csv, output_png, *, reference_replay=None, reference_growth=None, analysed_s=None
):
    """Rule ``figure_replay_diversity``: distinct assemblies replayed, exp(entropy), frequency
    and duration against P, one line per rule (the summary's replay table: mean over
    realisations with its 95 % interval), with the reference's published values
    (``activation_stats.csv``) when ``reference_replay`` names it. nunique grows with the time
    analysed: with ``reference_growth`` (``gradual.csv``) the published nunique of every rule is
    its growth curve at ``analysed_s["spontaneous"]`` (s), as in the reference comparison."""
    table = pd.read_csv(replay_csv)
    reference = None if reference_replay is None else published_replay(reference_replay)
    if reference is not None and reference_growth is not None and analysed_s:
        labels = set(table.loc[table["run"] == "spontaneous", "label"])
        seconds = {label: float(analysed_s["spontaneous"]) for label in labels}
        reference = published_nunique_at(reference, published_growth(reference_growth), seconds)
        note(f"published nunique taken from the growth curves at {analysed_s['spontaneous']} s")
    figure = replay_diversity_figure(
        table, rule_col="label", npat_col="patterns", reference=reference
    )
    _save(figure, output_png)


def replay_growth_curves(
    activations_files,
    output_png,
    output_csv,
    *,
    labels,
    realisations,
    n_points,
    patterns,
    reference_growth=None,
):
    """Rule ``figure_replay_growth``: distinct assemblies replayed so far against time in the
    runs of one P (``labels[k]``, realisation ``realisations[k]``, name
    ``activations_files[k]``): per label the mean over realisations with its 95 % interval,
    beside the reference's published curves of the same P (``gradual.csv``) when
    ``reference_growth`` names it; the curves of every realisation also as CSV."""
    curves = {}
    frames = []
    for label, realisation, path in zip(labels, realisations, activations_files, strict=True):
        curve = replay_growth(path, n_points=n_points)
        curves.setdefault(label, []).append(curve)
        frames.append(curve.assign(label=label, realisation=int(realisation)))
        note(f"{label} r{realisation}: {curve['nunique'].iloc[-1]} distinct assemblies at the end")
    table = pd.concat(frames, ignore_index=True)
    columns = ["label", "realisation", "time_s", "nunique", "n_patterns_replayed"]
    write_csv(table[columns], output_csv)
    reference = None
    if reference_growth is not None:
        published = published_growth(reference_growth)
        reference = {label: published[label, p] for label, p in published if p == int(patterns)}
    _save(replay_growth_figure(curves, reference=reference), output_png)


def sensitivity_scatter(sensitivity_files, output_png, *, rules):
    """Rule ``figure_sensitivity``: sensitivity to excitatory against inhibitory
    perturbations of one P, a panel per rule."""
    frames = {rule: pd.read_csv(path) for rule, path in zip(rules, sensitivity_files, strict=True)}
    _save(sensitivity_scatter_figure(frames), output_png)


def specialisation_tables(table_files, output_png, *, patterns, reference_dir=None):
    """Rule ``figure_specialisation``: the inhibitory specialisation of one P × realisation
    (``table_files``: the ``specialisation`` rule's tables ``neuron``, ``assembly``,
    ``random``, ``feedback`` by name), beside the reference's tables of the same P where it
    publishes them."""
    tables = {name: published_table(path) for name, path in table_files.items()}
    published = published_specialisation_files(reference_dir, patterns)
    reference = {name: published_table(path) for name, path in published.items()}
    if reference_dir is None:
        reference_note = "no published values drawn: reference_data_dir is not set"
    elif not reference:
        reference_note = f"no published values drawn: none published at P = {patterns}"
    else:
        reference_note = (f"dashed: the reference's published tables "
                          f"(plotting/data/inhibitory_specialization: {', '.join(reference)}; "
                          f"P = {patterns}, commit {REFERENCE_COMMIT[:7]})")  # fmt: skip
    figure = specialisation_figure(tables, reference=reference, reference_note=reference_note)
    _save(figure, output_png)


# the specialisation statistics in the paper-vs-ours table, and their names there
SPECIALISATION_QUANTITIES = {
    "neuron_exp_entropy": "mean exp(H) of the I→E weights per E neuron",
    "assembly_exp_entropy": "mean exp(H) over assemblies per I neuron",
    "assembly_vs_random_pct": "exp(H) over assemblies vs random (%)",
    "paired_t": "paired t, assemblies vs random",
    "mean_self_feedback": "mean assembly self-feedback",
}


def _summaries_against_p(
    summary_files, output_png, output_csv, key_csv, *, patterns, published, figure, quantities,
    panels,
):  # fmt: skip
    """The summaries of every P and realisation (``summary_files``) in one table
    (``output_csv``) and against P (``panels`` of ``summary_sweep_figure``), beside
    ``published(p)`` (the same summary of the reference's tables at P = p, or None); the key
    numbers of ``quantities``, with whether the published value lies in our interval over
    realisations, in ``key_csv`` under the paper's ``figure``."""
    summary = pd.concat([pd.read_csv(path) for path in summary_files], ignore_index=True)
    write_csv(summary, output_csv)
    frames = [published(p) for p in sorted(set(int(p) for p in patterns))]
    frames = [frame for frame in frames if frame is not None]
    reference = pd.concat(frames, ignore_index=True) if frames else None
    if reference is not None:
        note(f"published values at P = {sorted(reference['patterns'].unique())}")
    write_csv(swept_rows(figure, quantities, summary, reference), key_csv)
    note(summary.groupby(["label", "patterns"])[list(quantities)].mean().to_string())
    _save(summary_sweep_figure(summary, panels, reference=reference), output_png)


def specialisation_sweep(
    summary_files, output_png, output_csv, key_csv, *, patterns, reference_dir=None
):
    """Rule ``figure_specialisation_sweep``: the specialisation summaries against P beside the
    same summary of the reference's published tables (paper Figs 5 and S2)."""

    def published(p):
        files = published_specialisation_files(reference_dir, p)
        if not {"neuron", "assembly", "random"} <= set(files):
            return None
        tables = {name: published_table(path) for name, path in files.items()}
        return specialisation_summary(
            tables["neuron"], tables["assembly"], tables["random"], tables.get("feedback")
        ).assign(patterns=p)

    _summaries_against_p(
        summary_files, output_png, output_csv, key_csv, patterns=patterns, published=published,
        figure="Figs 5, S2", quantities=SPECIALISATION_QUANTITIES,
        panels=SPECIALISATION_SWEEP_PANELS,
    )  # fmt: skip


def excitability_scatter(
    stats_files, assemblies_csv, network_file, output_png, *, rules, patterns, reference_dir=None
):
    """Rule ``figure_excitability``: robust mean g_e against g_i of every E neuron (of
    ``network_file``) and each assembly's mean g_e against its replay count, per rule
    (``rules[k]`` has the statistics ``stats_files[k]``), beside the reference's published
    assemblies of the same P."""
    n_exc = load_patterns(network_file).n_exc
    neuron_means = {}
    for rule, path in zip(rules, stats_files, strict=True):
        table = pd.read_csv(path)
        neuron_means[rule] = table[table["neuron"] < n_exc]
    path = published_excitability_file(reference_dir, patterns)
    reference = None if path is None else published_excitability(path)
    if path is None:
        reference_note = (
            f"no published values drawn: none at P = {patterns}, or no reference_data_dir"
        )
    else:
        source = f"plotting/data/{path.parent.name}/{path.name}"
        reference_note = (
            f"grey: the reference's published assemblies ({source}, {REFERENCE_COMMIT[:7]})"
        )
    figure = excitability_figure(
        neuron_means, pd.read_csv(assemblies_csv), reference=reference,
        reference_note=reference_note,
    )  # fmt: skip
    _save(figure, output_png)


# the excitability statistics in the paper-vs-ours table, and their names there
EXCITABILITY_QUANTITIES = {
    "spearman_excitation_replays": "Spearman r(assembly g_e, replays), replayed assemblies",
    "pearson_excitation_replayed": "Pearson r(assembly g_e, replayed or not)",
    "assemblies_replayed": "assemblies replayed at least once",
    "mean_excitation_nS": "mean assembly g_e (nS)",
    "mean_inhibition_nS": "mean assembly g_i (nS)",
}


def excitability_sweep(
    summary_files, output_png, output_csv, key_csv, *, patterns, reference_dir=None
):
    """Rule ``figure_excitability_sweep``: the excitability summaries against P (paper Fig 4F,
    G) beside the same summary of the reference's published assemblies."""

    def published(p):
        path = published_excitability_file(reference_dir, p)
        if path is None:
            return None
        table = published_excitability(path)
        return pd.DataFrame([{"label": rule, "patterns": p, **excitability_summary(group)}
                             for rule, group in table.groupby("rule", sort=False)])  # fmt: skip

    _summaries_against_p(
        summary_files, output_png, output_csv, key_csv, patterns=patterns, published=published,
        figure="Fig 4", quantities=EXCITABILITY_QUANTITIES, panels=EXCITABILITY_SWEEP_PANELS,
    )  # fmt: skip


def conductance_fit(state_file, stats_csv, output_png, *, neuron, skip_s, rule):
    """Rule ``figure_conductance_fit``: the conductance samples of ``neuron`` (global index)
    from ``skip_s`` on, with the 95 % ellipses of its robust statistics (``stats_csv``: mean,
    sd and correlation of g_e and g_i) and of the plain mean and covariance (ddof 1)."""
    samples = read_conductances(
        state_file, skip_s=skip_s, neuron_start=neuron, neuron_stop=neuron + 1
    )
    g_e, g_i = samples.g_e_nS[:, 0].astype(float), samples.g_i_nS[:, 0].astype(float)
    row = pd.read_csv(stats_csv).set_index("neuron").loc[neuron]
    covariance = row["pearson_r"] * row["std_e"] * row["std_i"]
    robust = (
        np.array([row["mean_e"], row["mean_i"]]),
        np.array([[row["std_e"] ** 2, covariance], [covariance, row["std_i"] ** 2]]),
    )
    plain = (np.array([g_e.mean(), g_i.mean()]), np.cov(g_e, g_i, ddof=1))
    note(f"neuron {neuron}: robust mean ({robust[0][0]:.2f}, {robust[0][1]:.2f}) nS, "
         f"plain ({plain[0][0]:.2f}, {plain[0][1]:.2f}) nS over {g_e.size} samples")  # fmt: skip
    kind = "E" if neuron < samples.n_exc else "I"
    figure = conductance_fit_figure(
        g_e, g_i, robust=robust, plain=plain, title=f"{rule_label(rule)}, {kind} neuron {neuron}"
    )
    _save(figure, output_png)


def recall_responses(table_files, trace_files, output_png, *, rules, patterns):
    """Rule ``figure_recall``: cued recall at one P (paper Fig 3) for every rule
    (``rules[k]`` has the per-pattern table ``table_files[k]`` and traces ``trace_files[k]``);
    the example traces are those of the first rule."""
    tables = {r: pd.read_csv(path) for r, path in zip(rules, table_files, strict=True)}
    traces = {r: pd.read_csv(path, dtype={"trace": str})
              for r, path in zip(rules, trace_files, strict=True)}  # fmt: skip
    _save(recall_figure(tables, traces, example_rule=rules[0], patterns=patterns), output_png)


# the cued-recall statistics in the paper-vs-ours table, and their names there
RECALL_QUANTITIES = {
    "quality_mean": "mean retrieval quality (fraction of non-cued members active)",
    "peak_rate_median_hz": "median peak rate of non-cued members (Hz)",
    "spearman_quality_replays": "Spearman r(retrieval quality, spontaneous replays)",
}


def recall_sweep(summary_files, output_png, output_csv, key_csv, *, patterns):
    """Rule ``figure_recall_sweep``: the cued-recall summaries against P (paper Fig 3 B–G in
    numbers); the reference publishes none, so its column stays empty."""
    _summaries_against_p(
        summary_files, output_png, output_csv, key_csv, patterns=patterns,
        published=lambda p: None, figure="Fig 3", quantities=RECALL_QUANTITIES,
        panels=RECALL_SWEEP_PANELS,
    )  # fmt: skip


def _published_responses(reference_dir, patterns):
    """The published fLHP responses when they are of this P, else None."""
    if reference_dir is None or int(patterns) != PUBLISHED_RESPONSES_PATTERNS:
        return None
    return published_responses(f"{reference_dir}/{PUBLISHED_RESPONSES}")


def _pulse_means(table, drive, n_amplitudes, pulse_bins):
    """Mean rate (Hz) over the first ``pulse_bins`` bins of each pulse's slot of one drive."""
    rates = table[table["drive"] == drive].sort_values("bin")["rate_hz"].to_numpy()
    return rates.reshape(n_amplitudes, -1)[:, :pulse_bins].mean(axis=1)


def _response_key_numbers(responses, reference, *, patterns, n_amplitudes, pulse_bins):
    """Mean rate (Hz) over each pulse's first ``pulse_bins`` bins, per rule, drive and
    amplitude, beside the published fLHP values (paper Fig 7B)."""
    frames = []
    for rule, table in responses.items():
        for drive, name in (("exc", "E-driven"), ("inh", "I-driven")):
            ours = _pulse_means(table, drive, n_amplitudes, pulse_bins)
            published = reference is not None and rule == PUBLISHED_RESPONSES_RULE
            theirs = (
                _pulse_means(reference, drive, n_amplitudes, pulse_bins)
                if published
                else np.full(ours.size, np.nan)
            )
            quantities = [
                f"{name} pulse response, amplitude {j + 1} (Hz)" for j in range(ours.size)
            ]
            frames.append(
                pd.DataFrame(
                    {
                        "figure": "Fig 7B",
                        "quantity": quantities,
                        "label": rule,
                        "patterns": int(patterns),
                        "reference": theirs,
                        "ours": ours,
                        "difference": ours - theirs,
                        "inside": pd.NA,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def linear_response_panels(
    response_files,
    sensitivity_files,
    overlaps_csv,
    example_csv,
    output_png,
    key_csv,
    *,
    rules,
    patterns,
    bin_ms,
    schedule,
    reference_dir=None,
):
    """Rule ``figure_linear_response``: paper Fig 7B–E at one P (responses, χ^EE, the example
    drive, overlaps), beside the reference's published responses (fLHP, P = 1000) and overlaps
    (P = 1000 … 2000); the pulse responses' key numbers in ``key_csv``."""
    responses = {r: pd.read_csv(path) for r, path in zip(rules, response_files, strict=True)}
    chi = {r: exc_sensitivity(path) for r, path in zip(rules, sensitivity_files, strict=True)}
    overlaps = pd.read_csv(overlaps_csv)
    reference_responses = _published_responses(reference_dir, patterns)
    files = published_linear_files(reference_dir, patterns)
    reference_overlaps = published_table(files["overlaps"]) if "overlaps" in files else None
    drawn = [
        what
        for what, table in (
            ("responses (fLHP)", reference_responses),
            ("overlaps", reference_overlaps),
        )
        if table is not None
    ]
    reference_note = (
        f"dashed: the reference's published {' and '.join(drawn)} (plotting/data, "
        f"{REFERENCE_COMMIT[:7]})"
        if drawn
        else "no published values drawn: none at this P, or no reference_data_dir"
    )
    figure = linear_response_figure(
        responses,
        chi,
        overlaps,
        pd.read_csv(example_csv),
        bin_ms=bin_ms,
        reference_responses=reference_responses,
        reference_rule=PUBLISHED_RESPONSES_RULE,
        reference_overlaps=reference_overlaps,
        reference_note=reference_note,
    )
    _save(figure, output_png)
    plan = PerturbationSchedule.from_config(schedule)
    pulse_bins = int(round(plan.step_s * 1000 / bin_ms))
    keys = _response_key_numbers(
        responses,
        reference_responses,
        patterns=patterns,
        n_amplitudes=len(plan.amplitudes_nS),
        pulse_bins=pulse_bins,
    )
    write_csv(keys, key_csv)


def completion_panels(completion_csv, output_png, *, patterns, errors, reference_dir=None):
    """Rule ``figure_completion``: paper Fig S4 at one P, beside the published completion
    overlaps (P = 1000 … 2000)."""
    files = published_linear_files(reference_dir, patterns, errors)
    reference = {
        round(float(e), 1): published_table(files[f"completion_{e:.1f}"])
        for e in errors
        if f"completion_{e:.1f}" in files
    }
    note_text = (
        f"dashed: the reference's published completion overlaps (plotting/data/overlaps, "
        f"{REFERENCE_COMMIT[:7]})"
        if reference
        else "no published values drawn: none at this P, or no reference_data_dir"
    )
    figure = completion_figure(
        pd.read_csv(completion_csv), reference=reference or None, reference_note=note_text
    )
    _save(figure, output_png)


# the linearised-network statistics in the paper-vs-ours table, and their names there
LINEAR_QUANTITIES = {
    "overlap_mean": "mean overlap of the linear drive with its pattern",
    "angle_mean_deg": "mean angle of the linear drive to its pattern (degrees)",
    **{
        f"completion_{e / 10:.1f}": f"mean completion overlap, input error {e / 10:.1f}"
        for e in range(1, 10)
    },
}


def linear_sweep(
    summary_files, output_png, output_csv, key_csv, *, patterns, errors, reference_dir=None
):
    """Rule ``figure_linear_sweep``: the linear-drive summaries against P (paper Fig 7E, S4 in
    numbers) beside the same summary of the reference's published tables."""

    def published(p):
        files = published_linear_files(reference_dir, p, errors)
        if "overlaps" not in files:
            return None
        overlaps = published_table(files["overlaps"]).rename_axis("pattern").reset_index()
        angles = (
            published_table(files["angles"]).rename_axis("pattern").reset_index()
            if "angles" in files
            else overlaps.assign(**{c: np.nan for c in overlaps.columns[1:]})
        )
        completion = [
            published_table(files[f"completion_{e:.1f}"])
            .rename_axis("pattern")
            .reset_index()
            .assign(error=float(e))
            for e in errors
            if f"completion_{e:.1f}" in files
        ]
        completion = pd.concat(completion, ignore_index=True) if completion else pd.DataFrame()
        tables = {"overlaps": overlaps, "angles": angles, "completion": completion}
        return linear_summary(tables).assign(patterns=p)

    _summaries_against_p(
        summary_files,
        output_png,
        output_csv,
        key_csv,
        patterns=patterns,
        published=published,
        figure="Figs 7E, S4",
        quantities=LINEAR_QUANTITIES,
        panels=LINEAR_SWEEP_PANELS,
    )


def replay_traces_panels(
    traces_csv, intervals_csv, output_png, *, rules, patterns, reference_dir=None
):
    """Rule ``figure_assembly_traces``: paper Fig 2A — our events' traces, the reference's
    published events (fLHP, P = 1800), and every rule's inter-event intervals."""
    reference = None if reference_dir is None else published_assembly_traces(reference_dir)
    title = (
        f"reference: {rule_label(PUBLISHED_TRACES_RULE)}, P = {PUBLISHED_TRACES_PATTERNS}, "
        f"{0 if reference is None else len(reference['rate_hz'])} events"
    )
    figure = assembly_traces_figure(
        pd.read_csv(traces_csv),
        pd.read_csv(intervals_csv),
        label=rules[0],
        patterns=patterns,
        reference=reference,
        reference_title=title,
        reference_start_s=PUBLISHED_TRACES_START_S,
    )
    _save(figure, output_png)


def susceptibility_panels(neurons_csv, output_png):
    """Rule ``figure_susceptibility``: paper Fig S3 at one P (no published values: the
    reference publishes neither its sensitivity nor its conductance tables)."""
    _save(susceptibility_figure(pd.read_csv(neurons_csv)), output_png)


# the susceptibility statistics in the paper-vs-ours table, and their names there
SUSCEPTIBILITY_QUANTITIES = {
    "chi_mean": "mean χ^EE of the E neurons (spikes per 100 ms per nS)",
    "chi_cv": "CV of χ^EE over the E neurons",
    "spearman_chi_participation": "Spearman r(χ^EE, participation)",
}


def susceptibility_sweep(summary_files, output_png, output_csv, key_csv, *, patterns):
    """Rule ``figure_susceptibility_sweep``: the susceptibility summaries against P (paper
    Fig S3 B); nothing published to compare with."""
    _summaries_against_p(
        summary_files, output_png, output_csv, key_csv, patterns=patterns,
        published=lambda p: None, figure="Fig S3", quantities=SUSCEPTIBILITY_QUANTITIES,
        panels=SUSCEPTIBILITY_SWEEP_PANELS,
    )  # fmt: skip


CONNECTIVITY_QUANTITIES = {
    "connection_probability": "E→E connection probability within an assembly",
    "connection_weight_nS": "mean E→E weight within an assembly (nS)",
}


def connectivity_sweep(summary_files, output_png, output_csv, key_csv, *, patterns):
    """Rule ``figure_connectivity_sweep``: connections within assemblies and within random
    assemblies against P (the reference prints this table, publishes no data)."""
    _summaries_against_p(
        summary_files, output_png, output_csv, key_csv, patterns=patterns,
        published=lambda p: None, figure="connectivity", quantities=CONNECTIVITY_QUANTITIES,
        panels=CONNECTIVITY_SWEEP_PANELS,
    )  # fmt: skip


# the span after the event over which the key numbers average the inhibition ratio (s)
RATIO_SPAN_S = 0.1


def replay_conductance_panels(trace_files, output_png, key_csv, *, rules, patterns):
    """Rule ``figure_replay_conductances``: paper Fig 6 at one P, every rule; key numbers (no
    published values: the reference publishes no conductance traces): events with a full
    window, and the replayed assembly's inhibition over the others' in the first 100 ms."""
    traces = {r: pd.read_csv(path) for r, path in zip(rules, trace_files, strict=True)}
    _save(replay_conductances_figure(traces), output_png)
    rows = []
    for rule, table in traces.items():
        after = table[(table["t_s"] >= 0) & (table["t_s"] < RATIO_SPAN_S)]
        for quantity, value in (
            ("replay events with a full window", float(table["n_events"].iloc[0])),
            ("g_i of the replayed assembly over the others' in the first 100 ms",
             float(after["inhibition_ratio"].mean())),
        ):  # fmt: skip
            rows.append({"figure": "Fig 6", "quantity": quantity, "label": rule,
                         "patterns": int(patterns), "reference": np.nan, "ours": value,
                         "difference": np.nan, "inside": pd.NA})  # fmt: skip
    write_csv(pd.DataFrame(rows), key_csv)


def eigen_panels(spectrum_files, modes_files, output_png, key_csv, *, patterns):
    """Rule ``figure_eigenmodes``: paper Fig 8 at one P from every rule's spectrum and modes
    tables; key numbers (the reference publishes no spectra): the largest real part of each
    rule's spectrum, the eigen-assembly's largest overlap with a pattern."""
    spectrum = pd.concat([pd.read_csv(path) for path in spectrum_files], ignore_index=True)
    modes = pd.concat([pd.read_csv(path) for path in modes_files], ignore_index=True)
    _save(eigen_figure(spectrum, modes, patterns=patterns), output_png)
    rows = []
    for rule, values in spectrum.groupby("rule", sort=False):
        mode = modes[modes["rule"] == rule]
        for quantity, value in (
            ("largest real part of the linearised network's eigenvalues", values["re"].max()),
            ("neurons of the leading eigen-assembly in its closest pattern",
             float(mode["shared"].max())),
        ):  # fmt: skip
            rows.append({"figure": "Fig 8", "quantity": quantity, "label": rule,
                         "patterns": int(patterns), "reference": np.nan, "ours": float(value),
                         "difference": np.nan, "inside": pd.NA})  # fmt: skip
    write_csv(pd.DataFrame(rows), key_csv)


def eigen_activity_panels(vector_files, activity_files, output_png, key_csv, *, rules, patterns,
                          window_s):  # fmt: skip
    """Rule ``figure_eigen_activity``: paper Fig 8 B–G at one P, every rule; key numbers (the
    reference publishes no eigen-assembly data): per rule the neurons the eigen-assembly shares
    with its closest pattern and the correlation of their activity."""
    from eiplast.analysis.eigen import activation_correlations

    vectors = {r: pd.read_csv(p) for r, p in zip(rules, vector_files, strict=True)}
    activity = {r: pd.read_csv(p) for r, p in zip(rules, activity_files, strict=True)}
    _save(eigen_activity_figure(vectors, activity, patterns=patterns, window_s=tuple(window_s)),
          output_png)  # fmt: skip
    rows = []
    for rule, table in activity.items():
        closest = activation_correlations(table).iloc[0]
        for quantity, value in (
            ("activity correlation of the eigen-assembly with its closest pattern",
             float(closest["correlation"])),
            ("mean active fraction of the eigen-assembly (100 ms bins)",
             float(table[table["set"] == 0]["active_fraction"].mean())),
        ):  # fmt: skip
            rows.append({"figure": "Fig 8", "quantity": quantity, "label": rule,
                         "patterns": int(patterns), "reference": np.nan, "ours": value,
                         "difference": np.nan, "inside": pd.NA})  # fmt: skip
    write_csv(pd.DataFrame(rows), key_csv)


def ou_example(output_png, key_csv, *, example, dt_ms, seed, reference_dir=None):
    """Rule ``figure_ou``: paper Fig 7A, one seeded OU pair (``example``: the section
    ``analysis.ou_example``) beside the published draw; key numbers: the draws' means, sds and
    correlation (two samples of one process: they differ by sampling noise only)."""
    from eiplast.analysis.ou import SUMMARY_COLUMNS, ou_pair, ou_summary
    from eiplast.analysis.reference import PUBLISHED_OU, published_ou

    ours = ou_pair(**example, dt_ms=dt_ms, seed=seed)
    published = published_ou(Path(reference_dir) / PUBLISHED_OU) if reference_dir else None
    _save(ou_figure(ours, published), output_png)
    mine = ou_summary(ours)
    theirs = ou_summary(published) if published is not None else {}
    names = {"mean_e_nS": "mean g_e (nS)", "mean_i_nS": "mean g_i (nS)",
             "std_e_nS": "sd of g_e (nS)", "std_i_nS": "sd of g_i (nS)",
             "correlation": "correlation of g_e and g_i"}  # fmt: skip
    rows = [{"figure": "Fig 7A", "quantity": f"OU draw: {names[k]}", "label": "OU",
             "patterns": 0, "reference": theirs.get(k, np.nan), "ours": mine[k],
             "difference": mine[k] - theirs.get(k, np.nan), "inside": pd.NA}
            for k in SUMMARY_COLUMNS]  # fmt: skip
    write_csv(pd.DataFrame(rows), key_csv)
