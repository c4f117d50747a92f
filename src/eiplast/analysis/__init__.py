"""Analyses of simulation output: assembly activations, replay statistics, linear
sensitivity, and figures (see docs/analysis.md)."""
