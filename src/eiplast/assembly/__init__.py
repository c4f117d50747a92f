"""The assembly network of Barta & Fukai 2025 (docs/model-description.md Part A): parameters,
connectivity, the step kernel, stage runs and the isolation (perturbation) mode."""
