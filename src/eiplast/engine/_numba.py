"""Low-level helpers of the numba kernels: cache prefetch hints, exact division by a
constant, and ``exp`` through the C library. None of them changes a value the model computes;
each exists for speed or for the same results on every CPU.

**Prefetch.** Cache prefetch hints for numba kernels (``llvm.prefetch``).

numba has no prefetch of its own, so this module emits the LLVM intrinsic directly. A hint never
changes a value: it only asks the CPU to start loading the cache line of ``arr[idx]`` so that the
miss overlaps other work. ``prefetch_read`` requests the line for reading (shared state),
``prefetch_write`` for writing (exclusive state); both ask for the highest locality (keep in all
cache levels) in the data cache. Which one serves a kernel best is measured, not assumed: see the
callers' docstrings and docs/benchmarks.md.

**Exact division.** Division by a constant without a divide instruction, correctly rounded.

For y/d with d a constant float64 and r = RN(1/d) precomputed, q₀ = RN(y·r) lies within one ulp
of y/d; the remainder y − d·q₀ is then exactly representable and one fused multiply-add gives
it exactly, and q₁ = RN(q₀ + r·(y − d·q₀)) equals RN(y/d) (Markstein's theorem; Muller et al.,
*Handbook of Floating-Point Arithmetic*, 2nd ed., Thm. 4.10), as long as nothing under- or
overflows. So ``divide_by(y, d, 1/d)`` returns the same float64 as ``y / d`` with two FMAs and a
product instead of a division, whose vector form is the slowest instruction of the network's
neuron pass (docs/benchmarks.md). numba has no fma of its own; ``fma`` emits ``llvm.fma.f64``,
one rounding on every CPU (a software fallback where the hardware has none).

**C-library exp.** ``exp`` of an array through the C library, so that the network does not
depend on the CPU.

NumPy evaluates float64 ``np.exp`` and ``np.log`` (of arrays and of NumPy scalars) with its own
vector kernels on CPUs with AVX-512F, and with the C library's ``exp``/``log`` on other CPUs; the
two differ by one ulp on a few per cent of the arguments. One ulp in a synaptic weight or in a
decay factor changes the spikes of a chaotic network, so the connectivity and the simulation
constants are computed with the C library alone (Python's ``math``, which numba's kernels call
too): the same values on every x86-64 machine (docs/model.md, "Same results on every CPU").
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_READ = 0
_WRITE = 1
_HIGHEST_LOCALITY = 3
_DATA_CACHE = 1


def _prefetch_codegen(rw):
    """Code generator calling ``llvm.prefetch(address of arr[idx], rw, locality 3, data)``."""

    def codegen(context, builder, signature, args):
        ary, ind = args
        aryty = signature.args[0]
        arr_obj = context.make_array(aryty)(context, builder, ary)
        ptr = cgutils.get_item_pointer(context, builder, aryty, arr_obj, [ind], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(
            fn,
            [builder.bitcast(ptr, i8p), i32(rw), i32(_HIGHEST_LOCALITY), i32(_DATA_CACHE)],
        )
        return context.get_dummy_value()

    return codegen


@intrinsic
def prefetch_read(typingctx, arr, idx):
    """Hint: load the cache line of ``arr[idx]`` for reading (no bounds check)."""
    return types.void(arr, idx), _prefetch_codegen(_READ)


@intrinsic
def prefetch_write(typingctx, arr, idx):
    """Hint: load the cache line of ``arr[idx]`` for writing (no bounds check)."""
    return types.void(arr, idx), _prefetch_codegen(_WRITE)


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c with one rounding (float64)."""

    def codegen(context, builder, signature, args):
        f64 = ir.DoubleType()
        fnty = ir.FunctionType(f64, [f64, f64, f64])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@njit(cache=True, inline="always")
def divide_by(y, divisor, reciprocal):
    """RN(y / divisor) for ``reciprocal = 1.0 / divisor`` (module docstring); y and y/divisor
    must be normal numbers or 0."""
    q = y * reciprocal
    return fma(fma(-q, divisor, y), reciprocal, q)


def libm_exp(x):
    """e^x of every element of ``x``, as a float64 array of its shape (the C library's ``exp``)."""
    x = np.asarray(x, dtype=np.float64)
    values = map(math.exp, x.ravel().tolist())
    return np.fromiter(values, dtype=np.float64, count=x.size).reshape(x.shape)
