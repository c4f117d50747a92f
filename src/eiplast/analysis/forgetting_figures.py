"""The figure of sequential embedding (docs/forgetting.md)."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from eiplast.analysis.style import new_figure, rule_color, rule_label, styled

PROTOCOL_STYLES = {"sequential": "-", "scratch": "--", "frozen": ":"}
PROTOCOL_LABELS = {
    "sequential": "blocks learnt in turn",
    "scratch": "trained from scratch",
    "frozen": "no re-balancing",
}


def _by_p(rows: pd.DataFrame, column: str):
    """(P, mean, s.d. over realisations) of ``column``."""
    grouped = rows.groupby("patterns", sort=True)[column]
    return grouped.mean().index.to_numpy(), grouped.mean().to_numpy(), grouped.std().to_numpy()


def _curve(ax, rows, column, color, style, marker="o"):
    if rows.empty:
        return
    p, mean, sd = _by_p(rows, column)
    ax.plot(p, mean, ls=style, marker=marker, ms=3, color=color)
    sd = np.nan_to_num(sd)
    ax.fill_between(p, mean - sd, mean + sd, color=color, alpha=0.15, lw=0)


@styled
def forgetting_figure(
    table: pd.DataFrame, curves: pd.DataFrame, recall: pd.DataFrame, *, first_block: int
) -> Figure:
    """Sequential embedding against the number of stored patterns P, one colour per rule, one
    line style per protocol (solid: blocks learnt in turn, dashed: each P trained from
    scratch, dotted: the first block's inhibition kept without plasticity); bands: ±1 s.d.
    over realisations. ``table``: the block rows of every run (``stages.forgetting``);
    ``curves``: ``analysis.forgetting.forgetting_curves`` of it; ``recall``: the cued-recall
    rows (columns ``age``, ``quality_after_cue_mean``, ``peak_rate_median_hz``; may be
    empty).

    Top: the fraction of the first block's assemblies replayed (the forgetting curve), its
    replay events per second, and the fraction replayed of each block at the largest P
    (blocks learnt in turn). Bottom: mean E rate, the relative change of the I→E weights from
    the first block's trained network, and the replay diversity (exp entropy) of the first
    and (×) the latest block. Third row: cued recall of the first block's (o) and the latest
    block's (×) assemblies, retrieval quality after the cue and median peak rate; the fraction
    of the latest block's assemblies replayed."""
    fig, axes = new_figure(3, 3, width=3.0, height=2.5)
    ax_curve, ax_events, ax_blocks = axes[0]
    ax_rate, ax_weights, ax_entropy = axes[1]
    ax_quality, ax_peak, ax_new = axes[2]
    rules = list(dict.fromkeys(table["rule"]))
    protocols = [p for p in PROTOCOL_STYLES if p in set(table["protocol"])]
    for i, rule in enumerate(rules):
        color = rule_color(rule, i)
        for protocol in protocols:
            style = PROTOCOL_STYLES[protocol]
            c = curves[(curves["rule"] == rule) & (curves["protocol"] == protocol)]
            for ax, column in ((ax_curve, "fraction_replayed"), (ax_events, "events_per_s")):
                if not c.empty:
                    mean = c[f"{column}_mean"].to_numpy()
                    sd = np.nan_to_num(c[f"{column}_sd"].to_numpy())
                    ax.plot(c["patterns"], mean, ls=style, marker="o", ms=3, color=color)
                    ax.fill_between(c["patterns"], mean - sd, mean + sd, color=color, alpha=0.15,
                                    lw=0)  # fmt: skip
            runs = table[(table["rule"] == rule) & (table["protocol"] == protocol)]
            first = runs[runs["block"] == 0]
            _curve(ax_rate, first, "rate_e_mean_hz", color, style)
            _curve(ax_weights, first, "since_first_relative_change", color, style)
            _curve(ax_entropy, first, "entropy", color, style)
            latest = runs[(runs["age"] == "latest")]
            _curve(ax_entropy, latest, "entropy", color, style, marker="x")
            _curve(ax_new, latest, "fraction_replayed", color, style, marker="x")
            if not recall.empty:
                cued = recall[(recall["rule"] == rule) & (recall["protocol"] == protocol)]
                for age, marker in (("old", "o"), ("new", "x")):
                    rows = cued[cued["age"] == age]
                    _curve(ax_quality, rows, "quality_after_cue_mean", color, style, marker)
                    _curve(ax_peak, rows, "peak_rate_median_hz", color, style, marker)
        seq = table[(table["rule"] == rule) & (table["protocol"] == "sequential")]
        if not seq.empty:
            last = seq[seq["patterns"] == seq["patterns"].max()]
            per_block = last.groupby("block", sort=True)["fraction_replayed"]
            ax_blocks.errorbar(per_block.mean().index, per_block.mean(),
                               yerr=np.nan_to_num(per_block.std().to_numpy()), marker="o", ms=3,
                               capsize=2, color=color, label=rule_label(rule))  # fmt: skip
    ax_curve.set(xlabel="stored patterns P", ylabel="fraction replayed",
                 title=f"first {first_block} assemblies")  # fmt: skip
    ax_events.set(xlabel="stored patterns P", ylabel="events / s",
                  title="replay of the first block")  # fmt: skip
    ax_blocks.set(xlabel="block (0 = first)", ylabel="fraction replayed",
                  title="each block at the largest P")  # fmt: skip
    ax_blocks.xaxis.get_major_locator().set_params(integer=True)
    ax_rate.set(xlabel="stored patterns P", ylabel="mean E rate (Hz)", title="E rate")
    ax_weights.set(xlabel="stored patterns P", ylabel="Σ|Δw| / Σw",
                   title="I→E weights vs first block")  # fmt: skip
    ax_entropy.set(xlabel="stored patterns P", ylabel="exp entropy",
                   title="diversity: first (o), latest (×)")  # fmt: skip
    ax_quality.set(xlabel="stored patterns P", ylabel="retrieval quality after cue",
                   title="cued recall: first (o), latest (×) block")  # fmt: skip
    ax_peak.set(xlabel="stored patterns P", ylabel="median peak rate (Hz)",
                title="cued recall: peak rate")  # fmt: skip
    ax_new.set(xlabel="stored patterns P", ylabel="fraction replayed",
               title="the latest block's assemblies")  # fmt: skip
    handles = [Line2D([], [], color=rule_color(r, i), label=rule_label(r))
               for i, r in enumerate(rules)]  # fmt: skip
    handles += [Line2D([], [], color="black", ls=PROTOCOL_STYLES[p], label=PROTOCOL_LABELS[p])
                for p in protocols]  # fmt: skip
    ax_curve.legend(handles=handles, fontsize="small")
    return fig
