"""Serving uploaded media to project members, with Range support and safe headers."""
from flask import send_file

from ..access import project_for
from ..errors import NotFound
from ..extensions import db
from ..models import FileUpload
from ..services.media import INLINE_SAFE, path_for
from . import web_bp


def _media_token_project():
    """The project a media token (``?token=`` or ``Authorization: Token lam1...``) grants, else None."""
    from flask import request

    from ..services.ml import is_media_token, verify_media_token

    token = request.args.get("token") or request.headers.get("Authorization", "").partition(" ")[2].strip()
    return verify_media_token(token) if is_media_token(token) else None


@web_bp.route("/data/upload/<int:file_id>/<path:name>")
def serve_upload(file_id, name):
    """An uploaded file. Types that could run script (HTML, SVG, XML...) are sent as
    attachments with a sandboxing CSP; everything gets ``nosniff``."""
    upload = db.session.get(FileUpload, file_id)
    if upload is None:
        raise NotFound("file not found")
    if _media_token_project() != upload.project_id:  # ML backends hold a scoped media token
        project_for(upload.project_id)
    path = path_for(upload.sha256)
    if not path.exists():
        raise NotFound("file is missing from the media store")
    inline = upload.content_type in INLINE_SAFE
    resp = send_file(path, mimetype=upload.content_type if inline else "application/octet-stream",
                     as_attachment=not inline, download_name=upload.filename, conditional=True,
                     max_age=3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp
