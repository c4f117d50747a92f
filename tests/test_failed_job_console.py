"""What the console shows when a job fails (the workflow profile's settings and
workflow/scripts/_common.py ``logged``): the job's traceback once, in the failed job's log that
Snakemake prints, and no "Shell command: None" for the script rules.

The training job of the tiny configuration fails on a connectivity file that is not HDF5.
"""

from workflow_helpers import snakemake


def test_failed_job_shows_its_traceback_once(tmp_path):
    out = tmp_path / "results"
    damaged = out / "networks" / "connectivity_P20_r0.h5"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(bytes(range(256)) * 16)
    target = out / "train" / "hebb" / "P20_r0.h5"

    result = snakemake(tmp_path / "wd", "--config", f"output_dir={out}", "--", target)
    printed = result.stdout + result.stderr
    final_line = f"eiplast.engine.h5io.DataFileError: {damaged}: not a readable HDF5 file"
    assert result.returncode != 0 and not target.exists()
    assert printed.count(final_line) == 1, printed[-6000:]
    assert printed.count("Traceback (most recent call last)") == 1
    assert "Error in rule train:" in printed
    assert "Shell command: None" not in printed
    assert printed.count("Using workflow specific profile") == 1

    log = (out / "logs" / "train" / "hebb_P20_r0.log").read_text()
    assert log.count(final_line) == 1 and "rule train: start" in log
