"""Secrets generated on first run and kept in the data directory (mode 600).

There is no default secret anywhere: a missing file means new random values.
"""
import json
import os
import secrets
from pathlib import Path

SECRET_NAMES = ("flask_secret_key", "webhook_signing_key", "sso_shared_secret", "media_token_key")


def load_or_create(data_dir):
    """Return the secrets mapping, creating any that are missing."""
    path = Path(data_dir) / "secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = {}
    if path.exists():
        current = json.loads(path.read_text())
    missing = [n for n in SECRET_NAMES if not current.get(n)]
    if missing:
        for name in missing:
            current[name] = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(current, fh, indent=1)
        os.replace(tmp, path)
    os.chmod(path, 0o600)
    return current
