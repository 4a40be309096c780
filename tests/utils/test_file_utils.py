"""get_file: cache, hashes, extraction, atomic download, offline errors; never the network
(every origin is a file:// URL or the downloader is replaced)."""

import hashlib
import io
import os
import tarfile
import urllib.error
import zipfile

import pytest

from minikeras.utils import file_utils, get_file

PAYLOAD = b"minikeras test payload\n" * 100


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def no_network(*args, **kwargs):
    raise AssertionError("get_file went to the network although the cache had the file")


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part"))


def test_downloads_once_then_uses_the_cache(source, cache, monkeypatch, capsys):
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    path = get_file("data.bin", origin=source.as_uri(), file_hash=sha, cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.bin")
    assert open(path, "rb").read() == PAYLOAD
    assert f"Downloading data from {source.as_uri()}" in capsys.readouterr().out
    monkeypatch.setattr(file_utils, "urlopen", no_network)
    assert get_file("data.bin", origin=source.as_uri(), file_hash=sha,
                    cache_dir=str(cache)) == path
    md5 = hashlib.md5(PAYLOAD).hexdigest()  # Keras's rule: a 32-character hash is md5
    assert get_file("data.bin", origin="x", md5_hash=md5, cache_dir=str(cache)) == path


def test_keras_home_and_fname_from_url(source, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    path = get_file(origin=source.as_uri(), cache_subdir="sub")
    assert path == str(tmp_path / "home" / "sub" / "data.bin")


def test_hash_mismatch_raises_and_leaves_nothing(source, cache):
    with pytest.raises(ValueError, match=r"(?s)sha256 file hash of the download from .*data.bin "
                                         r"is [0-9a-f]{64}, expected 0{64}\. Nothing was saved"):
        get_file("data.bin", origin=source.as_uri(), file_hash="0" * 64, cache_dir=str(cache))
    assert list((cache / "datasets").iterdir()) == []


def test_stale_cached_file_is_replaced_only_by_a_good_download(source, cache, monkeypatch):
    target = cache / "datasets" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated")
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    monkeypatch.setattr(file_utils, "urlopen", offline)
    with pytest.raises(ConnectionError, match="failed its hash check"):
        get_file("data.bin", origin="https://example.invalid/data.bin", file_hash=sha,
                 cache_dir=str(cache))
    assert target.read_bytes() == b"truncated" and leftovers(cache) == []
    monkeypatch.setattr(file_utils, "urlopen", __import__("urllib.request").request.urlopen)
    get_file("data.bin", origin=source.as_uri(), file_hash=sha, cache_dir=str(cache))
    assert target.read_bytes() == PAYLOAD


def offline(url, *args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_offline_error_names_the_url_and_the_cache_path(cache, monkeypatch):
    monkeypatch.setattr(file_utils, "urlopen", offline)
    url = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    with pytest.raises(ConnectionError) as info:
        get_file("mnist.npz", origin=url, cache_dir=str(cache))
    message = str(info.value)
    assert url in message and str(cache / "datasets" / "mnist.npz") in message, message
    assert "offline" in message
    assert list((cache / "datasets").iterdir()) == []


class _Broken(io.BytesIO):
    """A response that delivers some bytes, then fails (a dropped connection)."""

    headers = {"Content-Length": str(len(PAYLOAD))}

    def read(self, n=-1):
        if self.tell() > 0:
            raise ConnectionResetError("connection reset by peer")
        return super().read(64)


@pytest.mark.parametrize("error", [ConnectionResetError, KeyboardInterrupt])
def test_interrupted_download_leaves_no_partial_file(cache, monkeypatch, error):
    def interrupted(url, timeout=None):
        assert timeout == file_utils.TIMEOUT  # a stalled connection cannot hang the download
        response = _Broken(PAYLOAD)
        if error is KeyboardInterrupt:
            response.read = lambda n=-1: (_ for _ in ()).throw(KeyboardInterrupt())
        return response

    monkeypatch.setattr(file_utils, "urlopen", interrupted)
    with pytest.raises(ConnectionError if error is ConnectionResetError else KeyboardInterrupt):
        get_file("big.bin", origin="https://example.invalid/big.bin", cache_dir=str(cache))
    assert list((cache / "datasets").iterdir()) == []


def _tar_gz(path, files, extra=None):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            tar.addfile(extra, io.BytesIO(b"evil"))


@pytest.mark.parametrize("fname", ["pack-target", "pack.tar.gz", None])
def test_extract_tar_uses_keras_names(tmp_path, fname, monkeypatch):
    keras_file_utils = pytest.importorskip("keras.src.utils.file_utils")
    archive = tmp_path / "pack.tar.gz"
    _tar_gz(archive, {"pack/a.txt": b"A", "pack/b.txt": b"B"})
    (tmp_path / "k").mkdir()  # Keras falls back to /tmp/.keras when cache_dir does not exist
    ours = get_file(fname, origin=archive.as_uri(), extract=True, cache_dir=str(tmp_path / "m"))
    theirs = keras_file_utils.get_file(fname, origin=archive.as_uri(), extract=True,
                                       cache_dir=str(tmp_path / "k"))
    assert os.path.relpath(ours, tmp_path / "m") == os.path.relpath(theirs, tmp_path / "k")
    assert sorted(os.listdir(tmp_path / "m" / "datasets")) == sorted(
        os.listdir(tmp_path / "k" / "datasets"))
    assert open(os.path.join(ours, "pack", "b.txt")).read() == "B"
    monkeypatch.setattr(file_utils, "urlopen", no_network)  # cached: no second download
    assert get_file(fname, origin=archive.as_uri(), extract=True,
                    cache_dir=str(tmp_path / "m")) == ours


def test_extract_zip_and_unsafe_members_are_skipped(tmp_path):
    archive = tmp_path / "z.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ok/x.txt", "x")
        z.writestr("../escape.txt", "bad")
    with pytest.warns(UserWarning, match="Skipping invalid path.*escape"):
        path = get_file("z", origin=archive.as_uri(), extract=True, cache_dir=str(tmp_path / "c"))
    assert open(os.path.join(path, "ok", "x.txt")).read() == "x"
    assert not (tmp_path / "c" / "datasets" / "escape.txt").exists()
    bad_tar = tmp_path / "t.tar.gz"
    link = tarfile.TarInfo("ok/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _tar_gz(bad_tar, {"ok/y.txt": b"y"}, extra=link)
    with pytest.warns(UserWarning, match="Skipping invalid path.*ok/link"):
        path = get_file("t", origin=bad_tar.as_uri(), extract=True, cache_dir=str(tmp_path / "c"))
    assert os.listdir(os.path.join(path, "ok")) == ["y.txt"]


def test_bad_arguments(source, cache):
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.npz", origin=source.as_uri(), cache_dir=str(cache))
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("b", origin=source.as_uri(), hash_algorithm="sha1", cache_dir=str(cache))


def test_data_utils_keras2_path_warns(source, cache):
    from minikeras.utils import data_utils

    with pytest.warns(DeprecationWarning, match="minikeras.utils.get_file"):
        path = data_utils.get_file("d.bin", origin=source.as_uri(), cache_dir=str(cache))
    assert open(path, "rb").read() == PAYLOAD
    with pytest.warns(DeprecationWarning, match="minikeras.utils.PyDataset"):
        from minikeras.utils.data_utils import Sequence
    from minikeras.utils import PyDataset
    assert Sequence is PyDataset
