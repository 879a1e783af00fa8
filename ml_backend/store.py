"""Versioned model files under the data directory, written so a crash never leaves half a model.

Layout: ``ROOT/<key>/v0001.safetensors`` (weights) and ``v0001.json`` (labels, metrics,
hyper-parameters). A version exists only once its JSON is in place: the weights are written
to a temporary file, flushed to disk and renamed first, the JSON last, so a process killed
at any point (``kill -9`` mid-save included) leaves either the previous version or the new
one, plus at most a temporary file that is ignored and swept later. Weights are safetensors:
loading them can never run code, unlike pickle.
"""
import json
import os
import re
import tempfile
import time
from pathlib import Path

from safetensors.torch import load_file, save_file

#: Temporary files older than this are leftovers of killed writers and are removed.
STALE_TMP_SECONDS = 3600
_VERSION = re.compile(r"^v(\d{4,})\.json$")
_KEY = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_key(key):
    """A directory name for ``key`` (a project id like "12.1700000000", or "backend-3")."""
    cleaned = _KEY.sub("_", str(key)).strip("._") or "default"
    return cleaned[:120]


def _fsync_write(path, data):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ModelStore:
    """The versions of one project's model."""

    def __init__(self, root, key):
        self.dir = Path(root) / safe_key(key)

    def versions(self):
        """Complete versions, oldest first, as integers."""
        if not self.dir.is_dir():
            return []
        found = []
        for name in os.listdir(self.dir):
            match = _VERSION.match(name)
            if match and (self.dir / f"v{match.group(1)}.safetensors").exists():
                found.append(int(match.group(1)))
        return sorted(found)

    def latest(self):
        """The newest complete version number, or None."""
        versions = self.versions()
        return versions[-1] if versions else None

    def save(self, tensors, meta):
        """Write a new version; return its number. ``tensors``: name -> tensor (contiguous)."""
        import fcntl

        self.dir.mkdir(parents=True, exist_ok=True)
        self._sweep()
        # The lock only serialises picking a number: two trainers never write the same version.
        with open(self.dir / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                version = (self.latest() or 0) + 1
                weights = self.dir / f"v{version:04d}.safetensors"
                fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".safetensors")
                os.close(fd)
                try:
                    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp)
                    with open(tmp, "rb") as fh:
                        os.fsync(fh.fileno())
                    os.replace(tmp, weights)
                except BaseException:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
                    raise
                meta = {**meta, "version": version, "saved_at": time.time()}
                _fsync_write(self.dir / f"v{version:04d}.json", json.dumps(meta, indent=1).encode())
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return version

    def load(self, version=None):
        """(tensors, meta) of ``version`` (default: latest); None when there is none."""
        version = self.latest() if version is None else version
        if version is None:
            return None
        meta = json.loads((self.dir / f"v{version:04d}.json").read_text(encoding="utf-8"))
        return load_file(str(self.dir / f"v{version:04d}.safetensors")), meta

    def meta(self, version):
        return json.loads((self.dir / f"v{version:04d}.json").read_text(encoding="utf-8"))

    def write_json(self, name, obj):
        """Atomically replace a side file (e.g. the server's example log)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        _fsync_write(self.dir / name, json.dumps(obj).encode())

    def read_json(self, name, default=None):
        path = self.dir / name
        if not path.exists():
            return default
        return json.loads(path.read_text(encoding="utf-8"))

    def _sweep(self):
        now = time.time()
        for path in self.dir.glob(".tmp-*"):
            try:
                if now - path.stat().st_mtime > STALE_TMP_SECONDS:
                    path.unlink()
            except FileNotFoundError:
                pass
