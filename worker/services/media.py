"""Uploaded media: stored content-addressed under DATA_DIR/media, served with safe headers."""
import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from ..errors import ImportRejected
from ..models import FileUpload

MEDIA_KINDS = {
    "image": {"png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "svg"},
    "audio": {"wav", "mp3", "ogg", "flac", "m4a", "aac", "opus", "webm"},
    "video": {"mp4", "webm", "mov", "mkv", "ogv"},
    "text": {"txt"},
}
# Object tags that show each media kind, in order of preference.
KIND_TAGS = {
    "image": ("Image",), "audio": ("AudioPlus", "Audio", "PianoRoll"), "video": ("Video",),
    "text": ("Text", "HyperText"),
}
# Served inline only when the type cannot run script in the browser.
INLINE_SAFE = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff",
               "audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/mp4", "audio/aac",
               "audio/webm", "audio/opus", "video/mp4", "video/webm", "video/quicktime", "video/ogg",
               "video/x-matroska", "text/plain"}
MAX_TEXT_BYTES = 1_000_000


def media_kind(filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for kind, exts in MEDIA_KINDS.items():
        if ext in exts:
            return kind
    return None


def media_root():
    return Path(current_app.config["DATA_DIR"]) / "media"


def path_for(sha256):
    return media_root() / sha256[:2] / sha256[2:]


def store(stream):
    """Copy ``stream`` into the media store; return (sha256, size). Same bytes, same file."""
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                block = stream.read(1 << 20)
                if not block:
                    break
                digest.update(block)
                size += len(block)
                out.write(block)
        final = path_for(digest.hexdigest())
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return digest.hexdigest(), size


def save_upload(session, project_id, storage):
    """Store an uploaded werkzeug FileStorage; return the FileUpload row."""
    name = secure_filename(storage.filename or "") or "upload"
    sha, size = store(storage.stream)
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    row = FileUpload(project_id=project_id, sha256=sha, filename=name, content_type=ctype, size=size)
    session.add(row)
    session.flush()
    return row


def task_item_for(config, upload, index):
    """The task data for one uploaded media file, bound to the config's matching object tag."""
    kind = media_kind(upload.filename)
    obj = config.first_object(*KIND_TAGS.get(kind, ()))
    if obj is None:
        raise ImportRejected(f"{upload.filename}: the labeling config has no tag that shows {kind} files", index)
    if kind == "text" and obj.tag == "Text":
        raw = path_for(upload.sha256).read_bytes()[:MAX_TEXT_BYTES]
        try:
            return {obj.value: raw.decode("utf-8")}
        except UnicodeDecodeError as exc:
            raise ImportRejected(f"{upload.filename} is not UTF-8 text", index) from exc
    return {obj.value: f"/data/upload/{upload.id}/{upload.filename}"}
