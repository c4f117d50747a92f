"""Run the workflow at two revisions and compare every output byte for byte.

Both revisions are exported with ``git archive`` (the working tree counts as ``WORKTREE``) and
run one after the other with the same configuration, the same ``.venv`` and the same absolute
output path (some files record paths), so that any difference comes from the code. Logs and
Snakemake's benchmark tables are left out: they record times. Prints one line per differing or
missing file and exits 1 if there is any.

    python tools/compare_outputs.py HEAD~3                 # HEAD~3 against the working tree
    python tools/compare_outputs.py REV_A REV_B --configfile config/test.yaml
    python tools/compare_outputs.py REV_A --rename 'P([0-9]+)([./])' 'P\1_r0\2'

``--rename PATTERN REPLACEMENT`` (a regular expression, ``re.sub``) maps the base's relative
paths to the other's, for revisions that moved outputs.
"""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
NOT_OUTPUTS = ("logs", "benchmarks")


def export(revision, folder):
    """The checkout at ``revision`` (``WORKTREE``: the files as they are now) in ``folder``."""
    folder.mkdir(parents=True)
    if revision == "WORKTREE":
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.split(b"\0")  # fmt: skip
        for name in filter(None, files):
            source = ROOT / name.decode()
            if source.is_file():
                target = folder / name.decode()
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        return folder
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run(tree, workdir, configfiles, cores):
    """The workflow of ``tree`` into ``workdir/results``; returns the results folder."""
    out = workdir / "results"
    command = [str(SNAKEMAKE), "--snakefile", str(tree / "Snakefile"), "--directory",
               str(workdir), "--cores", str(cores), "--quiet", "all"]  # fmt: skip
    for configfile in configfiles:
        command += ["--configfile", str(tree / configfile)]
    command += ["--config", f"output_dir={out}"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the workflow of {tree} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return out


def outputs(folder):
    """Relative paths of the outputs below ``folder``."""
    return {
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] not in NOT_OUTPUTS
    }


def renamed(path, rename):
    """``path`` with ``rename`` = (pattern, replacement) applied to its POSIX form."""
    return path if rename is None else Path(re.sub(rename[0], rename[1], path.as_posix()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="revision to compare against")
    parser.add_argument("other", nargs="?", default="WORKTREE", help="default: the working tree")
    parser.add_argument("--configfile", action="append", default=None,
                        help="relative to the checkout; default config/test.yaml")  # fmt: skip
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--rename", nargs=2, metavar=("PATTERN", "REPLACEMENT"),
                        help="map the base's relative paths to the other's (re.sub)")  # fmt: skip
    args = parser.parse_args()
    configfiles = args.configfile or ["config/test.yaml"]
    with tempfile.TemporaryDirectory(prefix="eiplast-compare-") as scratch:
        scratch = Path(scratch)
        workdir = scratch / "run"
        results = {}
        for label, revision in (("base", args.base), ("other", args.other)):
            tree = export(revision, scratch / label)
            out = run(tree, workdir, configfiles, args.cores)
            results[label] = scratch / f"{label}-results"
            shutil.move(out, results[label])
            shutil.rmtree(workdir)
        base = {renamed(p, args.rename): p for p in outputs(results["base"])}
        other = outputs(results["other"])
        problems = [f"only in {args.base}: {base[p]}" for p in sorted(base.keys() - other)]
        problems += [f"only in {args.other}: {p}" for p in sorted(other - base.keys())]
        problems += [
            f"differs: {p}"
            for p in sorted(base.keys() & other)
            if not filecmp.cmp(results["base"] / base[p], results["other"] / p, shallow=False)
        ]
        print("\n".join(problems) if problems else f"{len(base)} outputs, all byte-identical")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
