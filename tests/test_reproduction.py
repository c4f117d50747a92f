"""Tables of a reproduction (tools/reproduction.py): stage times from benchmark files, trained
I→E weight statistics, sensitivity summary, and the command line."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import reproduction  # noqa: E402

from eiplast.analysis.activations import save_activations
from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams
from eiplast.assembly.simulate import simulate_network

PIECE_SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "e2e_piece.sh"
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_benchmark(path, wall_s, rss_mb, cpu_s):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall_s}\t0:00:00\t{rss_mb}\t1\t1\t1\t0\t0\t50\t{cpu_s}\n")


def test_stage_times_and_summary(tmp_path):
    bench = tmp_path / "benchmarks"
    write_benchmark(bench / "train" / "hebb_P20.tsv", 10.0, 100.0, 8.0)
    write_benchmark(bench / "train" / "rate_P20.tsv", 30.0, 300.0, 20.0)
    write_benchmark(bench / "activations" / "spontaneous" / "hebb_P20.tsv", 5.0, 50.0, 4.0)
    log = tmp_path / "logs" / "train" / "rate_P20.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "[t] checkpoint /x/P20.h5.ckpt found at step 4000: resuming if ...\n"
        "train (simulated s):  40%|###  | 0.4/1.0 [00:00<?, ?s/s]train (simulated s): 50%\n"
    )
    # a checkpoint of other parameters was found but not used: the run started at 0 s
    write_benchmark(bench / "train" / "stale_P20.tsv", 1.0, 1.0, 1.0)
    (tmp_path / "logs" / "train" / "stale_P20.log").write_text(
        "[t] checkpoint /x/P20.h5.ckpt found at step 2000: resuming if ...\n"
        "train (simulated s):   0%|  | 0.0/1.0 [00:00<?, ?s/s]\n"
    )
    (bench / "summary").mkdir()
    (bench / "summary" / "empty.tsv").write_text(HEADER)  # a job that wrote no row

    times = reproduction.stage_times(tmp_path)
    assert sorted(times["stage"]) == ["activations/spontaneous", "train", "train", "train"]
    resumed = times[times["stage"] == "train"].set_index("job")["resumed_at_step"]
    assert resumed["rate_P20"] == 4000 and pd.isna(resumed["hebb_P20"])
    assert pd.isna(resumed["stale_P20"])
    summary = reproduction.stage_summary(times).set_index("stage")
    train = summary.loc["train"]
    assert train["jobs"] == 3 and train["resumed"] == 1
    assert train["wall_s_mean"] == pytest.approx(41 / 3) and train["wall_s_max"] == 30.0
    assert train["wall_s_total"] == 41.0 and train["cpu_s_total"] == 29.0
    assert train["max_rss_mb"] == 300.0
    # the resumed job ran 60 % of its run: its whole-job CPU time is 20 / 0.6
    assert train["cpu_s_whole_total"] == pytest.approx(1.0 + 8.0 + 20.0 / 0.6)
    assert summary.loc["activations/spontaneous", "jobs"] == 1

    text = reproduction.reproduction_tables(tmp_path)
    assert "Stage times" in text and "Replay statistics" not in text
    assert "| train" in text
    whole = 1.0 + 8.0 + 20.0 / 0.6 + 4.0
    assert f"{whole / 2 / 3600:.4g}" in text.split("All jobs together")[1]


def test_weight_statistics_of_a_training_run(tmp_path, small_network):
    train_file = tmp_path / "train" / "hebb" / "P20_r0.h5"
    train_file.parent.mkdir(parents=True)
    run = RunParams(duration_s=0.2, learning_rate=1e-3, chunk_s=0.1, seed=5, save_weights=True)
    plasticity = PlasticityParams(kind="hebb")
    simulate_network(
        small_network,
        NeuronParams(),
        BackgroundParams(),
        plasticity,
        run,
        train_file,
        progress=False,
    )
    with h5py.File(train_file, "r") as f:
        weights = f["weights/ei_weight_nS"][()].astype(np.float64)
    assert weights.size == int(small_network.ei_mask().sum())

    table = reproduction.weight_statistics(tmp_path)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["rule"], row["patterns"], row["realisation"]) == ("hebb", 20, 0)
    assert row["synapses"] == weights.size
    assert row["mean_nS"] == pytest.approx(weights.mean())
    assert row["std_nS"] == pytest.approx(weights.std())
    assert row["q05_nS"] <= row["median_nS"] <= row["q95_nS"]
    assert row["frac_zero"] == pytest.approx(np.mean(weights == 0))


def test_sensitivity_summary(tmp_path):
    table = pd.DataFrame(
        {
            "rule": ["hebb"] * 4,
            "patterns": [20] * 4,
            "population": ["E", "E", "E", "I"],
            "activation_exc": [1.0, 2.0, 3.0, 7.0],
            "activation_inh": [-1.0, -2.0, -3.0, 0.5],
            "rate_hz": [2.0, 4.0, 6.0, 10.0],
        }
    )
    table.to_csv(tmp_path / "s.csv", index=False)
    summary = reproduction.sensitivity_summary(tmp_path / "s.csv").set_index("population")
    assert summary.loc["E", "neurons"] == 3 and summary.loc["I", "neurons"] == 1
    assert summary.loc["E", "act_exc_mean"] == 2.0
    assert summary.loc["E", "act_exc_std"] == 1.0
    assert summary.loc["E", "corr_exc_inh"] == pytest.approx(-1.0)
    assert summary.loc["E", "rate_hz_mean"] == 4.0
    # the same from the per-rule files of a run whose summary stage has not run yet
    out = tmp_path / "out"
    (out / "sensitivity" / "hebb").mkdir(parents=True)
    table.drop(columns=["rule", "patterns"]).to_csv(out / "sensitivity/hebb/P20_r1.csv",
                                                   index=False)  # fmt: skip
    (out / "sensitivity" / "hebb" / "P20_r1").mkdir()  # shard folder, not a table
    rows = reproduction.sensitivity_rows(out)
    pd.testing.assert_frame_equal(rows, table.assign(realisation=1)[["rule", "patterns",
                                  "realisation", *table.columns[2:]]])  # fmt: skip
    assert "Linear sensitivities per population" in reproduction.reproduction_tables(out)
    assert reproduction.sensitivity_rows(tmp_path / "empty").empty


def test_command_line(tmp_path, capsys):
    write_benchmark(tmp_path / "benchmarks" / "connectivity" / "P20.tsv", 1.5, 10.0, 1.0)
    out = tmp_path / "tables.md"
    reproduction.main([str(tmp_path), "--out", str(out)])
    assert "connectivity" in out.read_text()
    with pytest.raises(SystemExit):
        reproduction.main([str(tmp_path / "missing")])
    assert "missing" in capsys.readouterr().err


def write_reference(root):
    """A reference checkout's two published tables, in its layout (two header rows)."""
    data = root / "plotting" / "data"
    data.mkdir(parents=True)
    (data / "activation_stats.csv").write_text(
        ",hebb,hebb,hebb,hebb,shuffle,shuffle,shuffle,shuffle\n"
        ",entropy,nunique,mean_freq,mean_dur,entropy,nunique,mean_freq,mean_dur\n"
        "20,8.0,10.0,4.0,20.0,2.0,5.0,1.0,10.0\n"
        "40,6.0,8.0,3.0,15.0,1.0,2.0,0.5,9.0\n"
    )
    (data / "gradual.csv").write_text(
        ",hebb,shuffle\n,20,20\n0.0,0.0,0.0\n0.5,2.0,1.0\n1.0,4.0,3.0\n"
    )
    return root


def test_comparison_with_the_reference(tmp_path):
    """Our replay rows and growth beside the reference's published ones (values by hand)."""
    out = tmp_path / "out"
    row = {"rule": "hebb", "patterns": 20, "run": "spontaneous", "label": "hebb", "nunique": 12,
           "entropy": 6.0, "mean_freq": 5.0, "mean_dur": 18.0, "rate_e_mean_hz": 3.0,
           "rate_i_mean_hz": 9.0}  # fmt: skip
    for run in ("spontaneous", "spontaneous_shuffle"):
        path = out / "replay" / run / "hebb" / "P20_r0.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame([{**row, "run": run}]).to_csv(path, index=False)
    # activations: first starts of patterns 0, 1, 2 at windows 10, 30, 60 of 100 (10 ms each)
    events = pd.DataFrame({"start": [10, 30, 60], "duration": [2, 2, 2], "pattern": [0, 1, 2]})
    events.attrs.update(n_patterns=3, n_windows=100, step_steps=100, dt_ms=0.1)
    activations = out / "activations" / "spontaneous" / "hebb" / "P20_r0.h5"
    activations.parent.mkdir(parents=True)
    save_activations(events, activations)
    ref = write_reference(tmp_path / "ref")

    table = reproduction.replay_comparison(out, ref).set_index("label")
    assert table.loc["hebb", "nunique_ref"] == 10 and table.loc["hebb", "nunique_ratio"] == 1.2
    assert table.loc["hebb", "entropy_ratio"] == 0.75 and table.loc["hebb", "mean_dur_ref"] == 20
    assert table.loc["shuffle", "mean_freq_ratio"] == 5.0  # the control is "shuffle" in theirs

    growth = reproduction.growth_comparison(out, ref, times_s=(0.5, 0.75, 2.0))
    # ours by 0.5 s: distinct first windows < 50 → {10, 30} → 2 − 1; by 0.75 s and at the end
    # (1 s): 3 − 1; 2 s is past our run's end and left out. Theirs interpolated: 2, 3, 4
    assert growth["time_s"].tolist() == [0.5, 0.75, 1.0]
    assert growth["nunique"].tolist() == [1, 2, 2]
    assert growth["nunique_ref"].tolist() == [2.0, 3.0, 4.0]

    text = reproduction.reproduction_tables(out, ref)
    assert "Replay statistics, ours and the reference's" in text
    assert "Distinct assemblies replayed by time t" in text
    with pytest.raises(SystemExit):
        reproduction.main([str(out), "--reference", str(tmp_path)])


def fake_checkout(root, recipe):
    """A git checkout whose ``make run`` runs ``recipe`` (stands in for the reproduction)."""
    root.mkdir()
    (root / "Makefile").write_text(f"run:\n\t{recipe}\n")
    for args in (["init", "-q"], ["add", "Makefile"], ["commit", "-qm", "fake"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                       check=True)  # fmt: skip
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def test_end_to_end_pieces_from_the_piece_script(tmp_path):
    """bench/e2e_piece.sh logs each piece (a finished one, one stopped by SIGTERM, which it
    passes on to the run), and end_to_end_pieces sums them."""
    log = tmp_path / "pieces.log"
    done = tmp_path / "done"
    commit = fake_checkout(done, 'echo "$(SNAKE_ARGS)" > args.txt')
    assert (
        subprocess.run(["bash", str(PIECE_SCRIPT), str(done), "/tmp/out", str(log)]).returncode == 0
    )
    assert (done / "args.txt").read_text().strip() == "--config output_dir=/tmp/out"

    stopped = tmp_path / "stopped"
    fake_checkout(stopped, "sleep 1 && touch started && sleep 60 && touch survived")
    piece = subprocess.Popen(["bash", str(PIECE_SCRIPT), str(stopped), "/tmp/out", str(log)])
    deadline = time.monotonic() + 30
    while not (stopped / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    piece.send_signal(signal.SIGTERM)
    assert piece.wait(timeout=30) != 0
    time.sleep(1)
    assert not (stopped / "survived").exists()

    table = reproduction.end_to_end_pieces(log)
    assert list(table["piece"]) == ["1", "2", "total"]
    assert table["exit"].iloc[0] == 0 and table["exit"].iloc[1] != 0
    assert table["commit"].iloc[0] == commit
    assert 1 <= table["wall_s"].iloc[1] < 30
    assert table["wall_s"].iloc[2] == table["wall_s"].iloc[0] + table["wall_s"].iloc[1]
    assert not table["finished"].iloc[2]

    log.write_text(log.read_text() + "not a piece\n")
    with pytest.raises(ValueError, match="line 3"):
        reproduction.end_to_end_pieces(log)


def test_piece_killed_outright_is_logged_by_the_next(tmp_path):
    """A piece killed with SIGKILL (its script too) cannot log its line; the next piece logs it
    from the killed piece's last heartbeat, exit 137, before its own line; a stale heartbeat of
    a piece that did log its line adds nothing."""
    log = tmp_path / "pieces.log"
    killed = tmp_path / "killed"
    fake_checkout(killed, "touch started && sleep 4")
    piece = subprocess.Popen(
        ["bash", str(PIECE_SCRIPT), str(killed), "/tmp/out", str(log)],
        env={**os.environ, "E2E_BEAT_S": "1"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not (killed / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.5)
    os.killpg(piece.pid, signal.SIGKILL)
    piece.wait(timeout=30)
    assert not log.exists()
    heartbeat = Path(f"{log}.alive")
    assert heartbeat.is_file()

    done = tmp_path / "done"
    fake_checkout(done, "true")
    assert (
        subprocess.run(["bash", str(PIECE_SCRIPT), str(done), "/tmp/out", str(log)]).returncode == 0
    )
    assert not heartbeat.exists()
    table = reproduction.end_to_end_pieces(log)
    assert list(table["piece"]) == ["1", "2", "total"]
    assert table["exit"].tolist()[:2] == [137, 0]
    assert 1 <= table["wall_s"].iloc[0] <= 4
    assert table["finished"].tolist() == [False, True, True]

    heartbeat.write_text(log.read_text().splitlines()[1] + "\n")
    assert (
        subprocess.run(["bash", str(PIECE_SCRIPT), str(done), "/tmp/out", str(log)]).returncode == 0
    )
    assert len(log.read_text().splitlines()) == 3


def test_command_line_with_pieces(tmp_path, capsys):
    log = tmp_path / "pieces.log"
    log.write_text(
        "2026-01-01T00:00:00Z 2026-01-01T01:00:00Z 3600 exit 143 commit abc1234 cpu AMD_EPYC\n"
        "2026-01-02T00:00:00Z 2026-01-02T00:30:00Z 1800 exit 0 commit abc1234 cpu AMD_EPYC\n"
    )
    reproduction.main([str(tmp_path), "--pieces", str(log)])
    text = capsys.readouterr().out
    assert "End-to-end run" in text and "5400" in text and "AMD EPYC" in text
    log.write_text("2026-01-01T00:00:00Z 3600 exit 0\n")
    with pytest.raises(SystemExit):
        reproduction.main([str(tmp_path), "--pieces", str(log)])
    assert "line 1 is not a piece" in capsys.readouterr().err
