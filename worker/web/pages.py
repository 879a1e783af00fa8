"""The pages a person sees before the labeling UI: the front page and the login form."""
from flask import redirect, render_template_string, request, url_for
from sqlalchemy import select

from ..access import current_user, login_session
from ..extensions import db
from ..models import User
from . import web_bp

LOGIN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Label.Art — log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.err{color:#b00020}</style></head>
<body><h1>Label.Art</h1><form method="post" action="{{ url_for('web.login') }}">
{% if error %}<p class="err" role="alert">{{ error }}</p>{% endif %}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form></body></html>"""

HOME = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Label.Art</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>Label.Art</h1><p>Signed in as {{ user.username }}.</p>
<p>The REST API is at <a href="/api/projects">/api/projects</a>; its description is at
<a href="/api/openapi.json">/api/openapi.json</a>.</p></body></html>"""


@web_bp.route("/")
def home():
    user = current_user(optional=True)
    if user is None:
        return redirect(url_for("web.login"))
    return render_template_string(HOME, user=user)


@web_bp.route("/user/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = db.session.execute(select(User).where(User.username == request.form.get("username", "")))\
            .scalar_one_or_none()
        if user is not None and user.is_active and user.check_password(request.form.get("password", "")):
            login_session(user)
            return redirect(url_for("web.home"))
        error = "Wrong username or password."
    return render_template_string(LOGIN, error=error), (401 if error else 200)
