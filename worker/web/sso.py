"""``GET /sso?token=…``: the landing point of "Start labeling" on the community site.

The token is checked (signature, audience, expiry, one-time nonce) before anything is written;
then the WordPress member's account and memberships are brought up to date, a session opens and
the browser goes to the project's workspace. A refused token gets a plain page saying why.
"""
import logging

from flask import current_app, redirect, render_template_string, request, session
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ..access import login_session
from ..extensions import db
from ..services import sso as svc
from . import web_bp

log = logging.getLogger(__name__)

REFUSED = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Label.Art — sign-in refused</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;color:#222;padding:0 1rem}
h1{color:#b00020;font-size:1.4rem}code{background:#f3f3f3;padding:.1rem .3rem}</style></head>
<body><h1>Sign-in refused</h1><p role="alert">{{ message }}</p>
<p>Reason code: <code>{{ code }}</code></p></body></html>"""


@web_bp.route("/sso", methods=["GET"])
def sso_login():
    """Verify a sign-on token and open a session; 400/403 with an HTML page otherwise."""
    secret = svc.shared_secret(current_app.config)
    try:
        payload = svc.verify(request.args.get("token", ""), secret, svc.SSO_AUD)
        svc.consume_nonce(db.session, payload)
        user = svc.upsert_user(db.session, payload)
        db.session.commit()
    except svc.SsoError as exc:
        db.session.rollback()
        log.info("sso refused: %s", exc.code)
        return render_template_string(REFUSED, message=exc.detail, code=exc.code), exc.status
    login_session(user)
    # The plugin's REST base, signed inside the token, is where the messages panel reads from.
    site = payload.get("site")
    if isinstance(site, str) and site.startswith(("http://", "https://")):
        session["wp_rest"] = site
    # Behind a proxy under a prefix (Apache's /label/), the landing path is under it too.
    return redirect(request.script_root + _landing(payload.get("project")))


def _landing(project_id):
    """The project's workspace when that page exists in this build, else the front page."""
    if not isinstance(project_id, int):
        return "/"
    path = f"/projects/{project_id}/label"
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return "/"
    return path
