"""HDF5 helpers: atomic creation, checked opening and checked reading of the project's files.

Readers open a file with ``open_checked`` and read its datasets with ``read``: a file that is
missing, truncated, of the wrong kind, or damaged inside (a compressed chunk that no longer
decompresses) then fails with one ``DataFileError`` naming the file (and the dataset).
"""

import contextlib
import os
from pathlib import Path

import h5py

FORMAT_VERSION = 1


class DataFileError(ValueError):
    """A data file that is missing, truncated, of the wrong kind or the wrong shape."""


def temporary_name(path):
    """A sibling name for writing ``path`` before the rename that publishes it."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


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
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = kind
            f.attrs["format_version"] = FORMAT_VERSION
            yield f


def open_checked(path, kind, datasets=(), attrs=()):
    """Open ``path`` read-only after checking its kind, version, root ``attrs`` and ``datasets``.

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
        found = f.attrs.get("format")
        if isinstance(found, bytes):
            found = found.decode()
        if found != kind:
            raise DataFileError(f"{path}: attribute format is {found!r}, expected {kind!r}")
        version = f.attrs.get("format_version")
        if version is None or int(version) != FORMAT_VERSION:
            raise DataFileError(
                f"{path}: attribute format_version is {version!r}, expected {FORMAT_VERSION}"
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


def read(ds, selection=()):
    """``ds[selection]``; a read that fails raises ``DataFileError`` naming file and dataset.

    h5py reports damaged data only when it is read, as an ``OSError`` (for example "filter
    returned failure during read" for a corrupted compressed chunk) that names neither.
    """
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
