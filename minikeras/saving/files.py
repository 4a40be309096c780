"""Files: what format a path holds, clear errors for bad files, and saves that never clobber.

Keras dispatches on the file name alone; minikeras also reads the first bytes, so a file whose
content does not match its name gets an error that says both:

    .keras        a zip archive       (starts with b"PK\\x03\\x04")
    .weights.h5   an HDF5 file        (starts with b"\\x89HDF\\r\\n\\x1a\\n")
    .h5 / .hdf5   an HDF5 file        (Keras 2's full-model format)
"""

import contextlib
import json
import os
import shutil
import tempfile
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


class SavedFileError(ValueError):
    """A saved model or weights file that cannot be read: names the file and what is wrong."""


def sniff(path):
    """"zip", "hdf5", "directory", "empty" or "unknown": what the file at `path` holds.

    Raises FileNotFoundError (naming the path) when nothing is there.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        return "directory"
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path!r}.")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == HDF5_MAGIC:
        return "hdf5"
    return "unknown"


def describe(kind):
    return {"zip": "a zip archive (the .keras format)", "hdf5": "an HDF5 file",
            "directory": "a directory", "empty": "an empty file (0 bytes)",
            "unknown": "neither a zip archive nor an HDF5 file"}[kind]


def expect(path, kind, what):
    """Raise SavedFileError unless the file at `path` holds `kind` ("zip" or "hdf5")."""
    found = sniff(path)
    if found != kind:
        raise SavedFileError(f"Cannot load {os.fspath(path)!r} as {what}: it is {describe(found)}, "
                             f"not {describe(kind)}.")


# Errors the file libraries raise on damaged input; they become SavedFileError.
_FILE_ERRORS = (OSError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile,
                json.JSONDecodeError, UnicodeDecodeError, RuntimeError, TypeError, IndexError)


@contextlib.contextmanager
def reading(path, what):
    """Turn a low-level read failure into one SavedFileError naming the file and the problem.

    what: what the file should be, e.g. "a .keras model archive". Errors already clear
    (SavedFileError, FileNotFoundError) pass through; other ValueErrors (an unknown layer name,
    a wrong shape) are prefixed with the file's name.
    """
    name = os.fspath(path) if not hasattr(path, "read") else "<file object>"
    try:
        yield
    except (SavedFileError, FileNotFoundError):
        raise
    except ValueError as error:
        raise SavedFileError(f"Cannot load {name!r} ({what}): {error}") from error
    except _FILE_ERRORS as error:
        raise SavedFileError(f"Cannot load {name!r} as {what}: the file is truncated or "
                             f"corrupted ({type(error).__name__}: {error}).") from error


def check_overwrite(path, overwrite):
    """Keras asks on the terminal; minikeras raises instead (a prompt hangs notebooks and CI)."""
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} already exists and overwrite=False; pass "
                              "overwrite=True to replace it.")


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """Yield a temporary path beside `path`; on success rename it onto `path`, else delete it.

    The rename (os.replace) is atomic on one file system, so a crash mid-save leaves the previous
    file intact. A directory target (zipped=False) is swapped in two renames.
    """
    path = os.fspath(path)
    check_overwrite(path, overwrite)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    os.unlink(tmp)  # the writer creates it (h5py and zipfile want a fresh path or a directory)
    try:
        yield tmp
        if os.path.isdir(tmp):
            _replace_directory(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.unlink(tmp)


def _replace_directory(tmp, path):
    old = None
    if os.path.exists(path):
        old = tmp + ".old"
        os.replace(path, old)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if os.path.isdir(old) else os.unlink(old)
