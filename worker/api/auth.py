"""Browser sessions and personal API tokens."""
from flask import session
from sqlalchemy import delete, select

from ..access import csrf_token, current_user, login_session
from ..errors import NotAuthenticated, ValidationError
from ..extensions import db
from ..models import ApiToken, User, hash_token, new_token_key
from . import route
from .util import json_body, json_response


@route("/auth/login", methods=["POST"])
def login():
    """Open a browser session: {"username", "password"} → the user and a CSRF token."""
    from flask import request

    body = json_body() if request.is_json else request.form
    username, password = body.get("username", ""), body.get("password", "")
    if not username or not password:
        raise ValidationError("username and password are required")
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.is_active or not user.check_password(password):
        raise NotAuthenticated("wrong username or password", code="login_failed")
    login_session(user)
    return json_response({"user": user.to_dict(), "csrf_token": csrf_token()})


@route("/auth/logout", methods=["POST"])
def logout():
    """Close the browser session."""
    session.clear()
    return "", 204


@route("/current-user/whoami", methods=["GET"])
def whoami():
    """The caller."""
    return json_response(current_user().to_dict())


@route("/current-user/token", methods=["GET"])
def token_info():
    """Whether the caller has a personal token (keys are stored hashed, so it is never shown again)."""
    user = current_user()
    n = db.session.execute(select(ApiToken.id).where(ApiToken.user_id == user.id)).all()
    return json_response({"has_token": bool(n)})


@route("/current-user/reset-token", methods=["POST"])
def reset_token():
    """Replace the caller's personal API token; the new key is shown once."""
    user = current_user()
    key = issue_token(db.session, user)
    db.session.commit()
    return json_response({"token": key}, 201)


def issue_token(session_, user, key=None):
    """Replace ``user``'s tokens with one (``key`` or a new random one); return the key."""
    key = key or new_token_key()
    session_.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session_.add(ApiToken(user_id=user.id, token_hash=hash_token(key)))
    return key
