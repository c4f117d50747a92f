"""Division by a constant without a divide instruction, correctly rounded (numba kernels).

For y/d with d a constant float64 and r = RN(1/d) precomputed, q₀ = RN(y·r) lies within one ulp
of y/d; the remainder y − d·q₀ is then exactly representable and one fused multiply-add gives
it exactly, and q₁ = RN(q₀ + r·(y − d·q₀)) equals RN(y/d) (Markstein's theorem; Muller et al.,
*Handbook of Floating-Point Arithmetic*, 2nd ed., Thm. 4.10), as long as nothing under- or
overflows. So ``divide_by(y, d, 1/d)`` returns the same float64 as ``y / d`` with two FMAs and a
product instead of a division, whose vector form is the slowest instruction of the network's
neuron pass (docs/benchmarks.md). numba has no fma of its own; ``fma`` emits ``llvm.fma.f64``,
one rounding on every CPU (a software fallback where the hardware has none).
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


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
