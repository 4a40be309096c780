"""Files: what format a path holds, clear errors for bad files, and saves that never clobber.

Keras dispatches on the file name alone; minikeras also reads the first bytes, so a file whose
content does not match its name gets an error that says both:

    .keras        a zip archive       (starts with b"PK\\x03\\x04")
    .weights.h5   an HDF5 file        (starts with b"\\x89HDF\\r\\n\\x1a\\n")
    .h5 / .hdf5   an HDF5 file        (Keras 2's full-model format)
"""

import atexit
import contextlib
import ctypes
import errno
import json
import os
import secrets
import shutil
import signal
import sys
import threading
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
    except MemoryError as error:  # what the file describes does not fit: say which file
        raise SavedFileError(f"Cannot load {name!r} ({what}): out of memory ({error}); the "
                             "model it describes is larger than this machine can hold") from error
    except _FILE_ERRORS as error:
        raise SavedFileError(f"Cannot load {name!r} as {what}: the file is truncated or "
                             f"corrupted ({type(error).__name__}: {error}).") from error


def check_overwrite(path, overwrite):
    """Keras asks on the terminal; minikeras raises instead (a prompt hangs notebooks and CI)."""
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} already exists and overwrite=False; pass "
                              "overwrite=True to replace it.")


# ---- atomic saves and their temporary files ----------------------------------------------
#
# A save writes `.NAME.<pid>.<random>.minikeras-tmp` beside NAME and renames it onto NAME when
# complete. The temporary file is removed on any exception, on SIGTERM during the save (when
# the process has no SIGTERM handler of its own), and at interpreter exit; one left by a killed
# process (SIGKILL, power loss) is removed by the next save of the same NAME, once no live
# process has the pid in its name.

TEMP_SUFFIX, OLD_SUFFIX = ".minikeras-tmp", ".minikeras-old"
_ACTIVE = set()  # temporary paths this process is writing now


def temp_path(path, suffix=TEMP_SUFFIX):
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or cannot tell: keep its file
    return True


def stale_temporaries(path):
    """Temporary files and folders of earlier saves of `path` whose writer is gone."""
    folder, base = os.path.split(os.path.abspath(path))
    prefix, stale = f".{base}.", []
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    for entry in entries:
        suffix = next((s for s in (TEMP_SUFFIX, OLD_SUFFIX) if entry.endswith(s)), None)
        if suffix is None or not entry.startswith(prefix):
            continue
        pid, _, token = entry[len(prefix):-len(suffix)].partition(".")
        if not (pid.isdigit() and token) or "." in token:
            continue  # another target whose name extends this one's ("m.keras.x")
        full = os.path.join(folder, entry)
        mine = int(pid) == os.getpid()
        if (mine and full not in _ACTIVE) or (not mine and not _pid_alive(int(pid))):
            stale.append(full)
    return stale


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with contextlib.suppress(OSError):
            os.unlink(path)


@atexit.register
def _remove_active():
    for path in list(_ACTIVE):
        _remove(path)


class _Terminated(BaseException):
    """SIGTERM arrived during a save (raised so that the temporary file is removed)."""


@contextlib.contextmanager
def _sigterm_as_exception():
    """During a save, SIGTERM unwinds the save (removing its temporary file), then the process
    terminates as SIGTERM would have. Only where SIGTERM has its default action and this is
    the main thread (Python runs signal handlers there only)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def handler(signum, frame):
        raise _Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """Yield a temporary path beside `path`; on success rename it onto `path`, else delete it.

    The rename (os.replace) is atomic on one file system, so a crash mid-save leaves the previous
    file intact. A directory target (zipped=False) is swapped with one atomic exchange where the
    system has one (Linux renameat2); see `_replace_directory`.
    """
    path = os.fspath(path)
    check_overwrite(path, overwrite)
    for stale in stale_temporaries(path):
        _remove(stale)
    tmp = temp_path(path)
    _ACTIVE.add(tmp)
    try:
        with _sigterm_as_exception():
            try:
                yield tmp  # the writer creates it (h5py and zipfile want a fresh path)
                if os.path.isdir(tmp):
                    _replace_directory(tmp, path)
                else:
                    os.replace(tmp, path)
            finally:
                _remove(tmp)
    finally:
        _ACTIVE.discard(tmp)


def exchange(a, b):
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), b)


def _replace_directory(tmp, path):
    """Put the folder `tmp` at `path`. With an atomic exchange `path` always holds a complete
    model. Without one (not Linux, or a file system without RENAME_EXCHANGE) there are two
    renames: between them `path` is missing and the previous model is complete at
    `.NAME.<pid>.<random>.minikeras-old`; an exception there puts it back, and after a kill
    the next save of NAME removes it."""
    if not os.path.lexists(path):
        os.replace(tmp, path)
        return
    if exchange(tmp, path):
        _remove(tmp)  # now the previous model
        return
    old = temp_path(path, OLD_SUFFIX)
    _ACTIVE.add(old)
    try:
        os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(old, path)
            raise
        _remove(old)
    finally:
        _ACTIVE.discard(old)
