"""eiplast: spiking E/I networks with inhibitory plasticity on a numba core."""

from eiplast.engine._vector_width import prefer_wide_vectors

prefer_wide_vectors()
