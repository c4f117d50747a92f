"""Network realisations: their seeds, the replay table with a realisation column, its aggregate
over realisations (mean, sd, n, 95 % interval), and the figures that draw mean and interval.

The expected values are worked out by hand in the comments (Student's t quantiles from tables).
"""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from eiplast.analysis import figures
from eiplast.analysis.summary import mean_interval, replay_aggregate, replay_table
from eiplast.engine.rng import realisation_seed

# t_{0.975, 2} and t_{0.975, 1} from a table of Student's t distribution
T975_DF2 = 4.302652729911275
T975_DF1 = 12.706204736174707


def test_realisation_zero_keeps_the_configured_seed():
    for seed in (0, 1, 42, 2**31, 2**40):
        assert realisation_seed(seed, 0) == seed


def test_realisation_seeds_differ_and_repeat():
    seeds = {realisation_seed(seed, r) for seed in (1, 2, 3, 42) for r in range(1, 50)}
    assert len(seeds) == 4 * 49  # no two (seed, realisation) pairs share a derived seed
    assert all(0 <= s < 2**32 for s in seeds)
    assert realisation_seed(42, 3) == realisation_seed(42, 3)
    assert realisation_seed(42, 1) != realisation_seed(43, 1)
    with pytest.raises(ValueError, match="non-negative"):
        realisation_seed(42, -1)


def test_mean_interval_by_hand():
    # 1, 2, 3: mean 2, sd 1, half-width t_{0.975,2} · 1/√3
    got = mean_interval([1.0, 2.0, 3.0])
    half = T975_DF2 / np.sqrt(3)
    assert got["n"] == 3 and got["mean"] == 2.0 and got["sd"] == pytest.approx(1.0)
    assert got["ci95_low"] == pytest.approx(2.0 - half)
    assert got["ci95_high"] == pytest.approx(2.0 + half)
    # 4, 6: mean 5, sd √2, half-width t_{0.975,1} · √2/√2; NaN values are left out
    got = mean_interval([4.0, np.nan, 6.0])
    assert got["n"] == 2 and got["ci95_high"] == pytest.approx(5.0 + T975_DF1)
    one = mean_interval([7.0])
    assert one["n"] == 1 and one["mean"] == 7.0 and np.isnan(one["sd"])
    assert np.isnan(one["ci95_low"]) and np.isnan(one["ci95_high"])
    assert mean_interval([])["n"] == 0


def _rows(tmp_path):
    """Replay rows of two rules × two realisations (files in the replay stage's format)."""
    paths, realisations = [], []
    values = {("rate", 1): 30, ("hebb", 0): 10, ("hebb", 1): 14, ("rate", 0): 20}
    for (rule, k), nunique in values.items():
        row = {"rule": rule, "patterns": 20, "run": "spontaneous", "label": rule,
               "nunique": nunique, "entropy": nunique / 2, "mean_freq": 1.0, "mean_dur": 2.0,
               "rate_e_mean_hz": 3.0 + k, "rate_i_mean_hz": 9.0}  # fmt: skip
        path = tmp_path / f"{rule}_{k}.csv"
        pd.DataFrame([row]).to_csv(path, index=False)
        paths.append(path)
        realisations.append(k)
    return paths, realisations


def test_replay_table_carries_the_realisation(tmp_path):
    paths, realisations = _rows(tmp_path)
    table = replay_table(paths, realisations, rule_order=["hebb", "rate"])
    assert list(table.columns[:4]) == ["rule", "patterns", "realisation", "run"]
    assert list(zip(table["rule"], table["realisation"], strict=True)) == [
        ("hebb", 0), ("hebb", 1), ("rate", 0), ("rate", 1)]  # fmt: skip
    assert table["nunique"].tolist() == [10, 14, 20, 30]
    with pytest.raises(ValueError, match="realisations"):
        replay_table(paths, realisations[:2])


def test_replay_aggregate_by_hand(tmp_path):
    paths, realisations = _rows(tmp_path)
    aggregate = replay_aggregate(replay_table(paths, realisations, rule_order=["hebb", "rate"]))
    nunique = aggregate[aggregate["statistic"] == "nunique"].set_index("rule")
    # hebb: 10, 14 → mean 12, sd 2√2, half-width t_{0.975,1} · 2√2/√2 = 2 t
    assert nunique.loc["hebb", "mean"] == 12.0 and nunique.loc["hebb", "n"] == 2
    assert nunique.loc["hebb", "sd"] == pytest.approx(2 * np.sqrt(2))
    assert nunique.loc["hebb", "ci95_low"] == pytest.approx(12.0 - 2 * T975_DF1)
    assert nunique.loc["rate", "mean"] == 25.0
    rate_exc = aggregate[aggregate["statistic"] == "rate_exc"].set_index("rule")
    assert rate_exc.loc["hebb", "mean"] == 3.5
    # one row per rule × P × run × statistic
    assert len(aggregate) == 2 * 6 and set(aggregate["label"]) == {"hebb", "rate"}


def _diversity_table():
    rows = []
    for rule in ("hebb", "rate"):
        for p in (800, 1000):
            for k, nunique in enumerate((100.0, 110.0, 120.0)):
                rows.append({"label": rule, "patterns": p, "realisation": k,
                             "nunique": nunique + p, "entropy": 50.0, "mean_freq": 2.0,
                             "mean_dur": 20.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_replay_diversity_draws_mean_interval_and_reference():
    table = _diversity_table()
    reference = pd.DataFrame({"label": ["hebb", "hebb"], "patterns": [800, 1000],
                              "nunique": [741.0, 839.0], "entropy": [552.8, 552.8]})  # fmt: skip
    fig = figures.replay_diversity_figure(
        table, rule_col="label", npat_col="patterns", reference=reference
    )
    assert len(fig.axes) == 4  # nunique, exp(entropy), frequency, duration
    ax = fig.axes[0]
    mean_line = ax.get_lines()[0]
    np.testing.assert_allclose(mean_line.get_ydata(), [910.0, 1110.0])  # means of 3 rows
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # one band per rule
    top = bands[0].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1110.0 + T975_DF2 * 10.0 / np.sqrt(3))
    reference_line = [ln for ln in ax.get_lines() if "reference" in ln.get_label()]
    assert len(reference_line) == 1
    np.testing.assert_array_equal(reference_line[0].get_ydata(), [741.0, 839.0])
    # the duration panel has no reference values: no reference line there
    assert not [ln for ln in fig.axes[3].get_lines() if "reference" in ln.get_label()]


def test_replay_growth_mean_over_realisations():
    t = np.linspace(0.0, 10.0, 3)
    runs = [pd.DataFrame({"time_s": t, "nunique": v}) for v in ([0, 2, 4], [0, 4, 8])]
    reference = {"hebb": pd.DataFrame({"time_s": [0.0, 10.0], "nunique": [0.0, 5.0]})}
    fig = figures.replay_growth_figure({"hebb": runs}, reference=reference)
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [0.0, 3.0, 6.0])
    assert lines[1].get_linestyle() == ":" and "reference" in lines[1].get_label()
    # the published curve only over our 10 s
    short = {"hebb": pd.DataFrame({"time_s": [0.0, 10.0, 20.0], "nunique": [0.0, 5.0, 9.0]})}
    lines = figures.replay_growth_figure({"hebb": runs}, reference=short).axes[0].get_lines()
    np.testing.assert_array_equal(lines[1].get_xdata(), [0.0, 10.0])
    with pytest.raises(ValueError, match="different time grids"):
        figures.replay_growth_figure(
            {"hebb": [runs[0], pd.DataFrame({"time_s": t + 1, "nunique": [0, 1, 2]})]}
        )


def _write_published(data):
    """Published tables in the reference's layout (two header rows), values made up."""
    data.mkdir(parents=True, exist_ok=True)
    (data / "activation_stats.csv").write_text(
        ",hebb,hebb,hebb,hebb,shuffle,shuffle,shuffle,shuffle\n"
        ",entropy,nunique,mean_freq,mean_dur,entropy,nunique,mean_freq,mean_dur\n"
        "20,8.0,11.0,4.0,20.0,2.0,5.0,1.0,10.0\n"
    )
    (data / "gradual.csv").write_text(",hebb,shuffle\n,20,20\n0.0,0.0,0.0\n50.0,2.0,1.0\n")
    return data


def test_published_tables_and_comparison(tmp_path):
    from eiplast.analysis.reference import published_comparison, published_growth, published_replay

    data = _write_published(tmp_path / "data")
    replay = published_replay(data / "activation_stats.csv").set_index("label")
    assert replay.loc["hebb", "nunique"] == 11.0 and replay.loc["shuffle", "mean_dur"] == 10.0
    growth = published_growth(data / "gradual.csv")
    assert growth["hebb", 20]["nunique"].tolist() == [0.0, 2.0]
    assert growth["shuffle", 20]["time_s"].tolist() == [0.0, 50.0]

    paths, realisations = _rows(tmp_path)
    aggregate = replay_aggregate(replay_table(paths, realisations, rule_order=["hebb", "rate"]))
    compared = published_comparison(aggregate, published_replay(data / "activation_stats.csv"))
    # hebb at P = 20 only (no published rate rule, no our shuffle): four statistics
    assert sorted(compared["statistic"]) == ["entropy", "mean_dur", "mean_freq", "nunique"]
    nunique = compared.set_index("statistic").loc["nunique"]
    # ours 10, 14: mean 12, interval 12 ± 2·12.7; published 11 → inside, ratio 12/11
    assert nunique["reference"] == 11.0 and nunique["ratio"] == pytest.approx(12 / 11)
    assert bool(nunique["inside"])
    # mean_dur: ours 2.0 and 2.0 (sd 0, interval [2, 2]); published 20 → outside
    assert not bool(compared.set_index("statistic").loc["mean_dur", "inside"])
    # with the growth curve, nunique is compared at our analysed time: 2 · 25/50 = 1 at 25 s
    growth_rows = published_comparison(
        aggregate, published_replay(data / "activation_stats.csv"), growth, {"spontaneous": 25.0}
    ).set_index("statistic")
    assert growth_rows.loc["nunique", "reference"] == 1.0
    assert growth_rows.loc["nunique", "reference_time_s"] == 25.0
    assert growth_rows.loc["entropy", "reference_time_s"] == 10_000.0
    assert growth_rows.loc["entropy", "reference"] == 8.0
    one = replay_aggregate(replay_table(paths[1:2], realisations[1:2]))  # hebb, realisation 0
    single = published_comparison(one, published_replay(data / "activation_stats.csv"))
    assert len(single) == 4 and single["inside"].isna().all()  # no interval from one


def test_published_nunique_at_our_time(tmp_path):
    """The diversity figure's published nunique: the growth curve at our analysed time for the
    labels given a time (hebb: 2 · 40/50 = 1.6 at 40 s), the 10 000 s value for the others."""
    from eiplast.analysis.reference import published_growth, published_nunique_at, published_replay

    data = _write_published(tmp_path / "data")
    table = published_replay(data / "activation_stats.csv")
    moved = published_nunique_at(table, published_growth(data / "gradual.csv"), {"hebb": 40.0})
    moved = moved.set_index("label")
    assert moved.loc["hebb", "nunique"] == pytest.approx(1.6)
    assert moved.loc["shuffle", "nunique"] == 5.0  # no time given: the table's value
    assert moved.loc["hebb", "entropy"] == 8.0  # only nunique moves
    assert table.set_index("label").loc["hebb", "nunique"] == 11.0  # the input is not changed


def test_published_files_are_checked(tmp_path):
    from eiplast.analysis.reference import published_files

    with pytest.raises(ValueError, match="activation_stats.csv: not found"):
        published_files(tmp_path)
    data = _write_published(tmp_path / "data")
    with pytest.raises(ValueError, match=r"activation_stats.csv: SHA-256 [0-9a-f]{64} is not"):
        published_files(data)
