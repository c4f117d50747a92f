"""The configuration files of a Snakemake command line, checked before Snakemake runs, and the
run's output directory (the Makefile's ``run`` and ``report`` targets).

Snakemake loads the ``--configfile`` files before it reads the Snakefile, so the workflow cannot
check them: a missing file ends in a Python traceback, a YAML syntax error in "Config file is
not valid JSON or YAML" without file or line. Here the arguments are parsed by Snakemake's own
parser (profiles included), each file is read by Snakemake's loader, and a failure is reported
as ``config file not found: <path>`` or ``config file <path>, line L, column C: <problem>``.

    python -m eiplast.config_files check [SNAKEMAKE ARGUMENTS]
    python -m eiplast.config_files report-path [SNAKEMAKE ARGUMENTS]  # <output_dir>/report.html
"""

import contextlib
import io
import sys
from pathlib import Path

import yaml


class ConfigFileError(Exception):
    """A configuration file that is missing or that Snakemake cannot read."""


def snakemake_args(argv):
    """``argv`` parsed as Snakemake parses its command line (without its profile notice)."""
    from snakemake.cli import parse_args

    printed = io.StringIO()
    try:
        with contextlib.redirect_stderr(printed):
            return parse_args(argv)[1]
    except SystemExit:  # a usage error: Snakemake's message without its long usage text
        sys.stderr.writelines(printed.getvalue().splitlines(keepends=True)[-1:])
        raise


def load(path):
    """The configuration in ``path`` as Snakemake reads it; ConfigFileError naming the file
    (and, for a YAML error, the line and column)."""
    from snakemake.common.configfile import load_configfile
    from snakemake.exceptions import WorkflowError

    path = Path(path)
    if not path.is_file():
        raise ConfigFileError(f"config file not found: {path}")
    try:
        return load_configfile(path)
    except WorkflowError as err:
        where = yaml_problem(path)
        raise ConfigFileError(
            f"config file {path}, {where}" if where else f"config file {path}: {err}"
        ) from None


def yaml_problem(path):
    """Where and why YAML (with the loader of Snakemake's yte) fails on ``path``, or None."""
    try:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.FullLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        return (
            f"line {mark.line + 1}, column {mark.column + 1}: {err.problem}\n{mark.get_snippet()}"
        )
    return None


def merged_config(args):
    """The configuration Snakemake builds from ``args`` before the workflow's checks:
    config/config.yaml beside the Snakefile, the --configfile files in order, --config."""
    from snakemake.api import resolve_snakefile
    from snakemake.cli import parse_config
    from snakemake.utils import update_config

    config = load(resolve_snakefile(args.snakefile).parent / "config" / "config.yaml")
    for path in args.configfile:
        update_config(config, load(path))
    update_config(config, parse_config(args.config))
    return config


def report_path(args):
    """Absolute path of ``<output_dir>/report.html`` (output_dir relative to --directory)."""
    output_dir = Path(str(merged_config(args)["output_dir"]))
    return (Path(args.directory or ".") / output_dir / "report.html").absolute()


def main(argv):
    """``check`` or ``report-path`` (module docstring); exit status 1 with the message."""
    if not argv or argv[0] not in ("check", "report-path"):
        sys.exit(__doc__)
    args = snakemake_args(argv[1:])
    try:
        if argv[0] == "check":
            merged_config(args)
        else:
            print(report_path(args))
    except ConfigFileError as err:
        sys.exit(str(err))


if __name__ == "__main__":
    main(sys.argv[1:])
