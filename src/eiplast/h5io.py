"""HDF5 helpers: atomic creation and checked opening of the project's file kinds."""

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


def open_checked(path, kind, datasets=()):
    """Open ``path`` read-only, checking its kind, version and the named datasets."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: file not found")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise DataFileError(f"{path}: not a readable HDF5 file (truncated?): {err}") from None
    found = f.attrs.get("format")
    if isinstance(found, bytes):
        found = found.decode()
    if found != kind:
        f.close()
        raise DataFileError(f"{path}: expected a file of kind {kind!r}, found {found!r}")
    if f.attrs.get("format_version") != FORMAT_VERSION:
        version = f.attrs.get("format_version")
        f.close()
        raise DataFileError(f"{path}: format_version {version!r}, expected {FORMAT_VERSION}")
    missing = [name for name in datasets if name not in f]
    if missing:
        f.close()
        raise DataFileError(f"{path}: missing dataset(s) {', '.join(missing)}")
    return f
