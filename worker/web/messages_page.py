"""``/projects/<id>/messages``: the community's team thread, shown inside the labeling service.

Messages live in WordPress (the plugin's tables). The service reads and writes them through the
plugin's REST API, proving *which member* is asking with a short-lived assertion signed with the
shared secret (``services.sso.make_assertion``); the plugin checks it and applies that member's
own permissions, so the panel can never show more than the member could see on the site.
The plugin's address comes from the signed sign-on token, and every fetch goes through the SSRF
guard (a private WordPress host must be on the admin's fetch allow-list).
"""
import logging
from urllib.parse import urlencode

from flask import current_app, redirect, render_template, request, session

from ..access import csrf_token, current_user, project_for
from ..errors import APIError, Forbidden
from ..net import fetch_guard
from ..services import sso
from . import web_bp

log = logging.getLogger(__name__)

# Longest message body the panel forwards; the plugin enforces its own limit too.
MAX_BODY = 5000


def rest_url(base, route, params=None):
    """Join the plugin's REST root (pretty ``/wp-json/`` or plain ``?rest_route=/``) and a route."""
    route = route.lstrip("/")
    if "rest_route=" in base:
        url = base + route
        sep = "&"
    else:
        url = base.rstrip("/") + "/" + route
        sep = "?"
    return url + (sep + urlencode(params) if params else "")


def _call(method, project_id, user, body=None):
    """One request to the plugin for ``user``. Raises APIError subclasses on refusal or failure."""
    base = session.get("wp_rest")
    if not base or not user.wp_user_id:
        raise Forbidden("Team messages are on the community site: open this page through "
                        "“Start labeling” there.", code="no_community_session")
    secret = sso.shared_secret(current_app.config)
    headers = {"X-LabelArt-Assertion": sso.make_assertion(secret, user.wp_user_id, project_id),
               "Accept": "application/json"}
    payload = None
    if body is not None:
        import json

        headers["Content-Type"] = "application/json"
        payload = json.dumps(body).encode()
    result = fetch_guard.fetch(method, rest_url(base, f"label-art/v1/service-projects/{project_id}/messages"),
                               headers=headers, body=payload, timeout=(3, 10), max_bytes=2 * 1024 * 1024)
    if result.status >= 400:
        raise APIError(f"The community site refused the request ({result.status}).",
                       code="community_refused", status=502)
    return result.json()


@web_bp.route("/projects/<int:project_id>/messages", methods=["GET", "POST"])
def project_messages(project_id):
    """Show the team thread (pinned announcements first) and post to it."""
    user = current_user(optional=True)
    if user is None:
        return redirect(request.script_root + "/user/login")
    project = project_for(project_id, user=user)
    error = None
    if request.method == "POST":
        text = request.form.get("body", "").strip()
        if not text or len(text) > MAX_BODY:
            error = f"A message needs 1 to {MAX_BODY} characters."
        else:
            try:
                _call("POST", project_id, user, {"body": text})
                return redirect(f"{request.script_root}/projects/{project_id}/messages")
            except APIError as exc:
                error = exc.detail
    data, status = {"messages": [], "unread": 0}, 200
    try:
        data = _call("GET", project_id, user)
    except APIError as exc:
        error, status = exc.detail, exc.status
    messages = data.get("messages", []) if isinstance(data, dict) else []
    return render_template("messages.html", project=project, error=error, csrf_token=csrf_token(),
                           pinned=[m for m in messages if m.get("pinned")],
                           messages=[m for m in messages if not m.get("pinned")],
                           unread=data.get("unread", 0) if isinstance(data, dict) else 0), status
