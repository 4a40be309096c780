"""get_file: download a file once into the Keras cache, check its hash, extract archives.

The same cache as Keras 3 (keras/src/utils/file_utils.py), so a file either library downloaded
is found by the other: `$KERAS_HOME/<cache_subdir>/<fname>`, else `~/.keras/<cache_subdir>/...`
(`/tmp/.keras/...` when that folder is not writable), the same names for archives and their
extraction folders, the same sha256 / md5 hashes.

Where minikeras differs (on purpose):
- The download goes to a temporary file beside the target, is hash-checked there, and only then
  is renamed onto the target: an interrupted or corrupted download never leaves a file in the
  cache, and a cached copy is replaced only by a good one.
- Failing to download raises ConnectionError naming the URL, the cache path and what to do
  offline (Keras: a bare `Exception("URL fetch failure on ...")`).
- $KERAS_HOME is read at each call (Keras reads it once, at import).
- A connection silent for TIMEOUT (60) seconds fails the download instead of hanging.
- An archive is extracted when it was just downloaded or its folder is missing (Keras
  extracts it again on every call).
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from .progbar import Progbar, print_msg

# The one place that reaches the network; tests replace it to serve local files.
urlopen = urllib.request.urlopen


def keras_home():
    """The cache root: $KERAS_HOME if set, else ~/.keras (as Keras's `config.keras_home`)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    return os.path.join(os.path.expanduser("~"), ".keras")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download `origin` into the cache unless a copy with the right hash is there; return
    the path of the file (or of the extraction folder with extract=True)."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"`hash_algorithm` must be 'auto', 'sha256' or 'md5', "
                         f"got {hash_algorithm!r}.")
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    try:  # Keras creates its home folder at import; minikeras when first needed
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={fname}")

    extraction_dir = None
    if extract or untar:  # Keras 3's names for the archive and its folder
        if provided and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, f"{fname}_archive")
    else:
        download_target = os.path.join(datadir, fname)

    download, stale = force_download, False
    if not download and os.path.exists(download_target):
        if file_hash is not None and not validate_file(download_target, file_hash,
                                                       hash_algorithm):
            print_msg("A local file was found, but it seems to be incomplete or outdated "
                      f"because the {hash_algorithm} file hash does not match the original "
                      f"value of {file_hash} so we will re-download the data.")
            download = stale = True
    elif not download:
        download = True
    if download:
        _download(origin, download_target, file_hash, hash_algorithm, stale)

    if extraction_dir is None:
        return download_target
    if download or not os.path.exists(extraction_dir):
        if untar:
            archive_format = "tar"
        if not extract_archive(download_target, extraction_dir, archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir


def _download(origin, target, file_hash, hash_algorithm, stale):
    """Stream `origin` into a temporary file beside `target`, check it, then rename it."""
    print_msg(f"Downloading data from {origin}")
    handle, partial = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.",
                                       suffix=".part", dir=os.path.dirname(target))
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                _copy_url(origin, out)
            except (urllib.error.URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", None) or e
                code = f"HTTP {e.code}: " if isinstance(e, urllib.error.HTTPError) else ""
                note = (" (the cached copy there failed its hash check)" if stale else "")
                raise ConnectionError(
                    f"URL fetch failure on {origin}: {code}{reason}. The file was to be saved at "
                    f"{target}{note}. If you are offline, copy the file there by hand "
                    "(or set KERAS_HOME to a folder that has it) and call again.") from e
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            algorithm = _algorithm_name(hash_algorithm, file_hash)
            actual = hash_file(partial, algorithm)
            raise ValueError(
                f"Incomplete or corrupted file detected: the {algorithm} file hash of the "
                f"download from {origin} is {actual}, expected {file_hash}. Nothing was saved "
                f"at {target}.")
        os.replace(partial, target)
    except BaseException:  # KeyboardInterrupt too: never leave the partial file behind
        if os.path.exists(partial):
            os.remove(partial)
        raise


# Seconds a stalled connection may stay silent before the download fails (Keras waits forever).
TIMEOUT = 60


def _copy_url(origin, out, chunk_size=1 << 16):
    with urlopen(origin, timeout=TIMEOUT) as response:
        total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        total = int(total) if total else None
        progbar, done = Progbar(total), 0
        while True:
            chunk = response.read(chunk_size)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            progbar.update(min(done, total) if total else done, finalize=False)
        progbar.update(done, finalize=True)


def _algorithm_name(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return "sha256"
    return "md5"  # Keras's rule: "auto" with a hash that is not 64 characters long means md5


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest ("sha256" or "md5") of a file, read in chunks."""
    hasher = hashlib.sha256() if _algorithm_name(algorithm) == "sha256" else hashlib.md5()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's hash is `file_hash` (sha256 when 64 characters long, else md5)."""
    return hash_file(fpath, _algorithm_name(algorithm, file_hash), chunk_size) == str(file_hash)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`; whether one matched.

    Members that would land outside `path` (absolute names, "..", links pointing out) are
    skipped with a warning; a failed extraction removes the half-written folder.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
        if kind == "tar" and tarfile.is_tarfile(file_path):
            opener = tarfile.open
        elif kind == "zip" and zipfile.is_zipfile(file_path):
            opener = zipfile.ZipFile
        else:
            continue
        with opener(file_path) as archive:
            try:
                _extract_safely(archive, path)
            except (tarfile.TarError, zipfile.BadZipFile, RuntimeError, KeyboardInterrupt):
                if os.path.isfile(path):
                    os.remove(path)
                elif os.path.exists(path):
                    shutil.rmtree(path)
                raise
        return True
    return False


def _inside(base, name):
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([target, base]) == base


def _extract_safely(archive, path):
    base = os.path.realpath(path)
    if isinstance(archive, zipfile.ZipFile):
        members = [m for m in archive.infolist() if _keep(_inside(base, m.filename), m.filename)]
        archive.extractall(path, members=members)
        return
    members = []
    for m in archive.getmembers():
        ok = _inside(base, m.name)
        if m.issym():
            ok = ok and _inside(base, os.path.join(os.path.dirname(m.name), m.linkname))
        elif m.islnk():
            ok = ok and _inside(base, m.linkname)
        if _keep(ok, m.name):
            members.append(m)
    kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    archive.extractall(path, members=members, **kwargs)


def _keep(ok, name):
    if not ok:
        warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.",
                      stacklevel=3)
    return ok
