"""Getting a task's media bytes, wherever the task says they are.

- ``data:`` URIs are decoded;
- relative URLs (``/data/upload/3/a.png``, what Label Studio and Label.Art put in tasks) are
  fetched from ``hostname`` with the access token from ``/setup`` — Label.Art issues a
  scoped, expiring media token for this, so the backend never holds a user's API key;
- absolute http(s) URLs are fetched as they are;
- local paths only under ``local_root`` (Label Studio's LOCAL_FILES_DOCUMENT_ROOT idea), so a
  task cannot make the backend read arbitrary files.

The service passes its own ``resolver`` for bundled models (it reads its media store
directly, checking the project), so nothing goes over HTTP there.
"""
import base64
import os
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

#: Largest media file a backend reads (denial-of-service guard).
MAX_MEDIA_BYTES = 200 * 1024 * 1024
#: Seconds to wait for a media server.
TIMEOUT = 30


class MediaError(ValueError):
    """The task's media could not be read (names the URL and why)."""


class MediaLoader:
    """``read(url) -> bytes`` for task data values."""

    def __init__(self, hostname="", access_token="", local_root=None, resolver=None):
        self.hostname = (hostname or "").rstrip("/")
        self.access_token = access_token or ""
        self.local_root = Path(local_root).resolve() if local_root else None
        self.resolver = resolver

    def read(self, url):
        """Raises MediaError naming ``url``."""
        if not isinstance(url, str) or not url:
            raise MediaError(f"media reference {url!r} is not a URL")
        if url.startswith("data:"):
            return _data_uri(url)
        if self.resolver is not None:
            found = self.resolver(url)
            if found is not None:
                return found
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            return self._http(url)
        if url.startswith("/") and self.hostname and not parts.scheme:
            return self._http(urljoin(self.hostname + "/", url.lstrip("/")), send_token=True)
        if self.local_root is not None and not parts.scheme:
            return self._local(url)
        raise MediaError(f"cannot read {url!r}: no hostname was given in /setup for relative URLs")

    def _local(self, url):
        path = (self.local_root / unquote(url).lstrip("/")).resolve()
        if self.local_root not in path.parents:
            raise MediaError(f"{url!r} is outside the media root")
        try:
            if path.stat().st_size > MAX_MEDIA_BYTES:
                raise MediaError(f"{url!r} is larger than {MAX_MEDIA_BYTES} bytes")
            return path.read_bytes()
        except OSError as exc:
            raise MediaError(f"cannot read {url!r}: {exc.strerror}") from exc

    def _http(self, url, send_token=False):
        import urllib3

        headers = {"User-Agent": "Label.Art ML backend"}
        if send_token and self.access_token:
            # Label Studio's SDK sends "Token <key>"; Label.Art's media view accepts the same.
            headers["Authorization"] = f"Token {self.access_token}"
        try:
            resp = urllib3.request("GET", url, headers=headers, timeout=TIMEOUT, preload_content=False,
                                   redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise MediaError(f"cannot fetch {url}: {exc}") from exc
        try:
            if resp.status != 200:
                raise MediaError(f"{url} answered HTTP {resp.status}")
            data = resp.read(MAX_MEDIA_BYTES + 1)
            if len(data) > MAX_MEDIA_BYTES:
                raise MediaError(f"{url} is larger than {MAX_MEDIA_BYTES} bytes")
            return data
        finally:
            resp.release_conn()


def _data_uri(url):
    head, _, body = url.partition(",")
    try:
        return base64.b64decode(body) if head.endswith(";base64") else unquote(body).encode()
    except ValueError as exc:
        raise MediaError("data: URI is not valid base64") from exc


def local_root_from_env():
    """``LABEL_ART_ML_MEDIA_ROOT`` (or Label Studio's ``LOCAL_FILES_DOCUMENT_ROOT``), or None."""
    return os.environ.get("LABEL_ART_ML_MEDIA_ROOT") or os.environ.get("LOCAL_FILES_DOCUMENT_ROOT") or None
