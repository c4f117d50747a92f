# eiplast: reproduction of Barta & Fukai 2025 (spiking E/I networks with memory assemblies,
# inhibitory plasticity, replay) as one Snakemake workflow over the numba core in src/eiplast.
#
#   snakemake                                   # the paper's defaults (profiles/default applies)
#   snakemake --configfile config/test.yaml     # tiny network, < 5 min
#   make report SNAKE_ARGS="--configfile config/test.yaml"   # its report, results/report.html
#
# For every plasticity rule and pattern count P:
#   connectivity(P) -> train(rule, P) -> spontaneous, spontaneous_shuffle -> activations -> replay
#   train(rule, P) -> conductances -> robust statistics -> perturbation -> sensitivity
#   perturbation, sensitivity -> linearised network (responses, overlaps, completion)
#   train(rule, P) -> cued recall -> recall analysis (with the spontaneous run's replays)
# and, with forgetting.enabled, blocks of assemblies learnt in turn (docs/forgetting.md).
# then one summary (tables under <output_dir>/summary, figures under <output_dir>/summary/figures).
# Configuration: config/config.yaml, documented in config/README.md, schema in config/schema/.

from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: Path(workflow.basedir) / "config/config.yaml"


report: "workflow/report/workflow.rst"


# the core importable (common.smk), then the configuration checks, definitions only
# (validate_config in validation.smk also runs those of balanced_config.smk)
include: "workflow/rules/common.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/balanced_config.smk"


# a bad configuration stops here, naming the key, before anything below reads it
validate_config(config)


# what the rules use, from the validated configuration (each file uses those above it)
include: "workflow/rules/paths.smk"
include: "workflow/rules/params.smk"
include: "workflow/rules/resources.smk"
# the rules; each runs one thread (Snakemake's default: no rule sets `threads`, raise one with
# --set-threads) in the conda environment CONDA_ENV (common.smk)
include: "workflow/rules/network.smk"
include: "workflow/rules/replay.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/specialisation.smk"
include: "workflow/rules/excitability.smk"
include: "workflow/rules/recall.smk"
include: "workflow/rules/persistent.smk"
include: "workflow/rules/linear.smk"
include: "workflow/rules/forgetting.smk"
include: "workflow/rules/balanced.smk"


# checkpoints that a killed run left beside outputs that have since been finished
onstart:
    remove_stale_checkpoints()


# cheap gathering steps run on the submitting host under a cluster executor
localrules:
    all,
    conductance_stats,
    sensitivity,
    summary,
    reference_comparison,
    figure_replay_diversity,
    paper_vs_ours,
    figure_recall,
    figure_recall_sweep,
    figure_assembly_traces,
    figure_linear_response,
    figure_completion,
    figure_linear_sweep,
    figure_susceptibility,
    figure_susceptibility_sweep,
    figure_replay_conductances,
    figure_eigenmodes,
    figure_eigen_activity,
    figure_ou,
    figure_persistent,
    figure_connectivity_sweep,
    forgetting_summary,


rule all:
    default_target: True
    input:
        summary_outputs(),
        forgetting_outputs(),
        balanced_outputs(),
