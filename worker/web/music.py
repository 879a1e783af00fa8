"""Label.Art's music views: the music workspace (piano roll, fretboard, chords and beats) that
replaces the embedded editor when a config uses music tags, the notation library it loads, and
the per-user action channel behind ``labelart osc``."""
from pathlib import Path

from flask import Response, current_app, request, send_file

from ..access import current_user
from ..api import route
from ..api.util import json_body, json_response
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..labeling.config import parse_config
from ..music import events
from ..music.shapes import uses_music
from . import web_bp

#: The notation library, from `npm ci` (package.json pins it); never committed as a build.
ABCJS = Path(__file__).resolve().parents[2] / "node_modules" / "abcjs" / "dist" / "abcjs-basic-min.js"


def music_workspace(label_config):
    """Whether the workspace should show the music view for this config."""
    try:
        return uses_music(parse_config(label_config))
    except Exception:  # noqa: BLE001 - a broken config is the editor's to report, not ours
        return False


@web_bp.route("/music/vendor/abcjs.js")
def abcjs():
    """abcjs from node_modules, for the optional score view."""
    if not ABCJS.is_file():
        raise NotFound("abcjs is not installed (npm ci)")
    resp = send_file(ABCJS, mimetype="text/javascript", max_age=86400)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@route("/music/osc", methods=["POST"])
def post_action():
    """Send an action to the caller's own open workspace: ``{"address": "/labelart/label",
    "args": ["A:min7"]}``. 400 names a bad address or argument; 202 with the event's id."""
    user = current_user()
    body = json_body()
    try:
        event = events.action_for(body.get("address"), body.get("args", []))
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    from ..queue import get_redis

    event_id = events.publish(get_redis(), user.id, event)
    return json_response({"id": event_id.decode() if isinstance(event_id, bytes) else event_id, **event}, 202)


@route("/music/events", methods=["GET"])
def follow_actions():
    """The caller's actions as server-sent events (``text/event-stream``); reconnect with
    ``Last-Event-ID`` to continue where the last response ended."""
    user = current_user()
    from ..queue import get_redis

    last = request.headers.get("Last-Event-ID") or request.args.get("after") or "$"
    if last != "$" and not all(part.isdigit() for part in last.split("-", 1)):
        raise ValidationError("Last-Event-ID must be a stream id like 1700000000000-0")
    seconds = 2 if current_app.config.get("TESTING") else events.STREAM_SECONDS
    redis = get_redis()
    # The stream outlives the request's work: give the database connection back now.
    db.session.close()
    resp = Response(events.follow(redis, user.id, last, seconds), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
