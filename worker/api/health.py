"""Liveness: the web process, the database and the queue."""
from sqlalchemy import text

from ..extensions import db
from ..queue import get_redis
from . import route
from .util import json_response


@route("/health", methods=["GET"])
def health():
    """200 {"status": "UP"} when the database and the queue answer; 503 naming what is down."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "UP"
    except Exception as exc:  # noqa: BLE001 - health reports any failure as DOWN
        checks["database"] = f"DOWN: {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["queue"] = "UP"
    except Exception as exc:  # noqa: BLE001
        checks["queue"] = f"DOWN: {type(exc).__name__}"
    up = all(v == "UP" for v in checks.values())
    return json_response({"status": "UP" if up else "DOWN", **checks}, 200 if up else 503)
