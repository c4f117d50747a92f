"""Cache prefetch hints for numba kernels (``llvm.prefetch``).

numba has no prefetch of its own, so this module emits the LLVM intrinsic directly. A hint never
changes a value: it only asks the CPU to start loading the cache line of ``arr[idx]`` so that the
miss overlaps other work. ``prefetch_read`` requests the line for reading (shared state),
``prefetch_write`` for writing (exclusive state); both ask for the highest locality (keep in all
cache levels) in the data cache. Which one serves a kernel best is measured, not assumed: see the
callers' docstrings and docs/benchmarks.md.
"""

from llvmlite import ir
from numba import types
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
