# What every other workflow file relies on: this checkout's core (src/eiplast) importable at
# parse time, and the conda environment every rule runs in. No rules, no configuration read here.

import sys
from pathlib import Path

# the checkout's core, importable at parse time (the configuration checks of validation.smk and
# balanced_config.smk use it, and so does the onstart cleanup), ahead of any other installation
SRC = Path(workflow.basedir) / "src"
if SRC.is_dir():
    if str(SRC) in sys.path:
        sys.path.remove(str(SRC))
    sys.path.insert(0, str(SRC))

# the one software environment of every rule; relative to workflow/rules/, where every rule is
# defined (Snakemake resolves a rule's conda path against the file defining the rule)
CONDA_ENV = "../../envs/eiplast.yaml"
