"""The engine: chunked runs with checkpoints and claims, the on-disk formats and their checked
HDF5 helpers, seeded random streams, progress, and the low-level helpers of the numba kernels.
Nothing here knows a model (docs/architecture.md)."""
