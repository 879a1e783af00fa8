"""The one boundary where errors become JSON ``{"error": code, "detail": text}``."""
import logging

from flask import jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..errors import APIError

log = logging.getLogger(__name__)


def _wants_json():
    return request.path.startswith("/api/") or request.path.startswith("/data/") \
        or request.accept_mimetypes.best == "application/json"


def install(app):
    @app.errorhandler(APIError)
    def _api_error(exc):
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        if not _wants_json():
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": code, "detail": exc.description}), exc.code

    @app.errorhandler(OperationalError)
    def _db_down(exc):
        log.error("database error on %s %s: %s", request.method, request.path, exc)
        return jsonify({"error": "database_unavailable", "detail": "the database is not answering"}), 503

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": "internal_error", "detail": "internal server error"}), 500
