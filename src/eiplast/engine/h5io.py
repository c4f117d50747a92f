"""HDF5 helpers: atomic creation, checksummed writing, checked opening and reading.

Every file is written under a temporary name and renamed when complete (``atomic_h5``), in the
HDF5 1.10 file format, whose metadata (superblock, object headers with their attributes, chunk
indexes) carries checksums; every dataset is chunked with HDF5's Fletcher-32 filter
(``create_dataset``), and string attributes are stored in the object header (``set_attrs``), not
in the global heap, which has no checksum. Readers open a file with ``open_checked`` and read
datasets with ``read``: a file that is missing, truncated, of the wrong kind, or damaged
anywhere (metadata or data) then fails with one ``DataFileError`` naming the file (and the
dataset).
"""

import contextlib
import os
import socket
from pathlib import Path

import h5py
import numpy as np

FORMAT_VERSION = 2  # 2: Fletcher-32 on every dataset, metadata checksums (HDF5 1.10 format)
LIBVER = ("v110", "v110")  # file format with checksummed metadata, the same bytes on every HDF5


class DataFileError(ValueError):
    """A data file that is missing, truncated, damaged, of the wrong kind or the wrong shape."""


def temporary_name(path):
    """A sibling name for writing ``path`` before the rename that publishes it (host and
    process in the name: writers on different hosts of a shared file system never collide)."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{socket.gethostname()}-{os.getpid()}")


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary sibling path; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_h5(path, kind):
    """Create an HDF5 file of ``kind`` atomically: it appears under ``path`` only when complete."""
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", libver=LIBVER) as f:
            set_attrs(f, format=kind, format_version=FORMAT_VERSION)
            yield f


def set_attrs(obj, **values):
    """Set attributes of ``obj``; strings as fixed-length UTF-8 (checksummed with the header)."""
    for name, value in values.items():
        obj.attrs[name] = np.bytes_(value.encode()) if isinstance(value, str) else value


def text_attr(obj, name):
    """A string attribute written by ``set_attrs``, as ``str``."""
    value = obj.attrs[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def create_dataset(group, name, data=None, *, shape=None, dtype=None, chunks=True, **options):
    """``group.create_dataset`` with a Fletcher-32 checksum on every chunk.

    Chunks are h5py's choice unless given; an empty dataset gets chunks of at least one
    element and unlimited dimensions (HDF5 cannot chunk a zero-length extent otherwise).
    """
    if data is not None:
        data = np.asarray(data)
        shape, dtype = data.shape, data.dtype
    if len(shape) == 0:
        raise ValueError(f"{name}: scalars go into attributes, not datasets")
    if 0 in shape:
        options["maxshape"] = (None,) * len(shape)
        chunks = tuple(max(1, s) for s in shape)
    return group.create_dataset(
        name, shape=shape, dtype=dtype, data=data, chunks=chunks, fletcher32=True, **options
    )


def open_checked(path, kind, datasets=(), attrs=()):
    """Open ``path`` read-only after checking its kind, version, root ``attrs`` and ``datasets``
    and every object's metadata (whose checksums HDF5 verifies as it loads it).

    Returns the open ``h5py.File`` (use it as a context manager); every failed check raises
    ``DataFileError`` naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: file not found (expected a {kind} file)")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise DataFileError(f"{path}: not a readable HDF5 file (truncated?): {err}") from None
    try:
        try:
            _load_metadata("/", f)
            f.visititems(_load_metadata)
            found = f.attrs.get("format")
            version = f.attrs.get("format_version")
        except (OSError, KeyError, RuntimeError, ValueError) as err:
            raise DataFileError(
                f"{path}: damaged metadata (checksum or structure): {err}"
            ) from None
        if isinstance(found, bytes):
            found = found.decode()
        if found != kind:
            raise DataFileError(f"{path}: attribute format is {found!r}, expected {kind!r}")
        if version is None or int(version) != FORMAT_VERSION:
            raise DataFileError(
                f"{path}: attribute format_version is {version!r}, expected {FORMAT_VERSION} "
                "(written by another version of eiplast: delete the file and run again)"
            )
        for name in attrs:
            if name not in f.attrs:
                raise DataFileError(f"{path}: missing root attribute {name!r}")
        for name in datasets:
            if not isinstance(f.get(name), h5py.Dataset):
                raise DataFileError(f"{path}: missing dataset {name!r}")
    except BaseException:
        f.close()
        raise
    return f


def _load_metadata(name, obj):
    """``visititems`` callback: load the object's header and attributes (returns None, so that
    the visit goes on)."""
    dict(obj.attrs)


def read(ds, selection=()):
    """``ds[selection]``; a read that fails raises ``DataFileError`` naming file and dataset.

    h5py reports damaged data only when it is read, as an ``OSError`` (for example "filter
    returned failure during read" for a chunk whose Fletcher-32 checksum does not match) that
    names neither. A dataset without a checksum is refused.
    """
    if not ds.fletcher32:
        raise DataFileError(f"{ds.file.filename}: dataset {ds.name} carries no checksum")
    try:
        return ds[selection]
    except (OSError, ValueError) as err:
        raise DataFileError(
            f"{ds.file.filename}: dataset {ds.name} {_describe(selection)}could not be read "
            f"(damaged file?): {err}"
        ) from None


def _describe(selection):
    """``"[a:b, i] "`` for a selection of slices and indices, ``""`` for the whole dataset."""
    parts = selection if isinstance(selection, tuple) else (selection,)
    if not parts:
        return ""
    text = ", ".join(
        f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
        if isinstance(p, slice)
        else str(p)
        for p in parts
    )
    return f"[{text}] "
