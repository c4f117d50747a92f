"""The configuration files of a command line, checked before Snakemake runs, and the report of a
run in its output directory (eiplast.config_files; the Makefile's ``run`` and ``report``).

* a missing --configfile and a YAML syntax error are reported with the file (and line and
  column), by the module and by ``make run`` / ``make report`` before Snakemake starts;
* the report path is ``<output_dir>/report.html`` of the configuration Snakemake builds;
* ``make run`` names the workflow profile once; ``make report`` after ``make run`` (same
  SNAKE_ARGS, a one-point balanced experiment) writes ``<output_dir>/report.html``.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from workflow_helpers import ROOT, TEST_CONFIG

from eiplast import config_files

BAD_YAML = "network:\n  n_exc: 800\n   n_inh: 200\n"  # n_inh indented further than n_exc
BAD_YAML_WHERE = "line 3, column 9: mapping values are not allowed here"
# the balanced part only, one run of one second: a complete workflow in about 15 s
ONE_RUN = """barta_fukai: {enabled: false}
forgetting: {enabled: false}
balanced:
  size: {enabled: false}
  istdp: {enabled: false}
  correlation: {c_x: [0.0], seeds: [1], duration_s: 1}
"""


def make(target, snake_args, timeout=600):
    """``make TARGET SNAKE_ARGS=...`` in the checkout with this interpreter's environment (its
    set-up step taken as done); stdout and stderr merged."""
    bin_dir = Path(sys.executable).parent
    cmd = ["make", "-C", ROOT, "-o", ".venv/.installed", f"BIN={bin_dir}", "CORES=2"]
    cmd += [target, "SNAKE_ARGS=" + " ".join(str(a) for a in snake_args)]
    return subprocess.run(
        [str(c) for c in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def test_missing_file(tmp_path):
    missing = tmp_path / "nothere.yaml"
    with pytest.raises(config_files.ConfigFileError) as info:
        config_files.load(missing)
    assert str(info.value) == f"config file not found: {missing}"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (BAD_YAML, BAD_YAML_WHERE),
        ("patterns: [20, 30\nshards: 2\n", "line 2, column 7: expected ',' or ']', but got ':'"),
        ("rules:\n\t- hebb\n", "line 2, column 1: found character '\\t' that cannot start"),
    ],
)
def test_yaml_error_names_file_line_and_column(tmp_path, text, where):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(config_files.ConfigFileError) as info:
        config_files.load(bad)
    assert str(info.value).startswith(f"config file {bad}, {where}")


def test_not_a_mapping_keeps_snakemakes_reason(tmp_path):
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(config_files.ConfigFileError, match=f"config file {listed}: .*top level"):
        config_files.load(listed)


def test_report_path_follows_the_merged_configuration(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(f"output_dir: {tmp_path / 'elsewhere'}\n")

    def report_path(*argv):
        argv = ["--snakefile", ROOT / "Snakefile", *argv]
        return config_files.report_path(config_files.snakemake_args([str(a) for a in argv]))

    assert report_path() == Path.cwd() / "results" / "report.html"
    elsewhere = tmp_path / "elsewhere" / "report.html"
    assert report_path("--configfile", TEST_CONFIG, other) == elsewhere
    run1 = report_path("--configfile", other, "--config", "output_dir=run1")
    assert run1 == Path.cwd() / "run1" / "report.html"
    in_dir = report_path("--directory", tmp_path / "wd", "--config", "output_dir=r")
    assert in_dir == tmp_path / "wd" / "r" / "report.html"


def test_module_command_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    cmd = [sys.executable, "-m", "eiplast.config_files", "check", "--configfile", TEST_CONFIG]
    ok = subprocess.run([*map(str, cmd)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and ok.stdout == ok.stderr == ""
    failed = subprocess.run([*map(str, cmd), str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert failed.returncode == 1
    assert failed.stderr.startswith(f"config file {bad}, {BAD_YAML_WHERE}")


@pytest.mark.parametrize("target", ["run", "report"])
def test_make_checks_config_files_before_snakemake(tmp_path, target):
    missing = tmp_path / "nothere.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    for args, message in (
        (["--configfile", TEST_CONFIG, missing], f"config file not found: {missing}"),
        (["--configfile", TEST_CONFIG, bad], f"config file {bad}, {BAD_YAML_WHERE}"),
    ):
        result = make(target, ["--directory", tmp_path / "wd", *args])
        assert result.returncode != 0
        assert message in result.stdout
        assert "Traceback" not in result.stdout
        assert "Using workflow specific profile" not in result.stdout  # Snakemake never started


def test_make_run_then_make_report(tmp_path):
    one_run = tmp_path / "one_run.yaml"
    one_run.write_text(ONE_RUN)
    out = tmp_path / "results"
    args = ["--directory", tmp_path / "wd", "--configfile", TEST_CONFIG, one_run]
    args += ["--config", f"output_dir={out}"]

    dry = make("run", [*args, "--dry-run"])
    assert dry.returncode == 0, dry.stdout[-3000:]
    assert dry.stdout.count("Using workflow specific profile profiles/default") == 1
    assert "Using profiles" not in dry.stdout

    run = make("run", args)
    assert run.returncode == 0, run.stdout[-3000:]
    report = make("report", args)
    assert report.returncode == 0, report.stdout[-3000:]
    assert "Missing metadata" not in report.stdout
    html = (out / "report.html").read_text()
    assert "correlation.png" in html and "correlation.csv" in html
