"""Who is calling, and what they may touch.

Every object fetched by id goes through ``project_for`` (or a helper built on it): a
caller who is not a member gets 404, exactly as if the object did not exist.
"""
import hmac
import secrets

from flask import g, request, session
from sqlalchemy import and_, bindparam, select

from .errors import Forbidden, NotAuthenticated, NotFound
from .extensions import db
from .models import ApiToken, Membership, Project, ROLE_RANK, User, hash_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Built once: these run on every request, and building SQL expressions costs more than running them.
_TOKEN_USER = (select(User).join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("token_hash")))
_PROJECT_AND_ROLE = (select(Project, Membership.role)
                     .outerjoin(Membership, and_(Membership.project_id == Project.id,
                                                 Membership.user_id == bindparam("user_id")))
                     .where(Project.id == bindparam("project_id")))


def current_user(optional=False):
    """The authenticated user. Raises ``NotAuthenticated`` (401) unless ``optional``."""
    if "_user" not in g:
        g._user = _authenticate()
    if g._user is None and not optional:
        raise NotAuthenticated("Authentication credentials were not provided: send "
                               "'Authorization: Token <key>' or log in")
    return g._user


def token_key():
    """The API key of the request's Authorization header, or None when it has none."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() not in ("token", "bearer") or not key.strip():
        raise NotAuthenticated("Authorization header must be 'Token <key>'")
    return key.strip()


def _authenticate():
    key = token_key()
    if key is not None:
        row = db.session.execute(_TOKEN_USER, {"token_hash": hash_token(key)}).scalar_one_or_none()
        if row is None or not row.is_active:
            raise NotAuthenticated("Invalid token")
        g._auth_kind = "token"
        return row
    uid = session.get("uid")
    if uid is None:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.is_active or session.get("pw") != _password_marker(user):
        session.clear()
        return None
    g._auth_kind = "session"
    if request.method in UNSAFE_METHODS:
        _check_csrf()
    return user


def _password_marker(user):
    """Changes when the password changes, so old sessions stop working."""
    return user.password_hash[-16:] if user.password_hash else "sso"


def login_session(user):
    session.clear()
    session["uid"] = user.id
    session["pw"] = _password_marker(user)
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _check_csrf():
    """Browser sessions must echo the CSRF token on writes; tokens in headers need not."""
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token") or ""
    if not hmac.compare_digest(sent, session.get("csrf", "")):
        raise Forbidden("CSRF token missing or wrong (send X-CSRFToken)", code="csrf_failed")


def role_in(user, project_id):
    """The caller's role in a project, 'manager' for admins, or None."""
    if user.is_superuser:
        return "manager"
    return db.session.execute(
        select(Membership.role).where(Membership.project_id == project_id, Membership.user_id == user.id)
    ).scalar_one_or_none()


def project_for(project_id, min_role="annotator", user=None):
    """Fetch a project the caller belongs to with at least ``min_role``.

    Raises NotFound (404) for missing projects and non-members, Forbidden (403) for
    members whose role is too low.
    """
    user = user or current_user()
    row = db.session.execute(_PROJECT_AND_ROLE, {"user_id": user.id, "project_id": project_id}).first()
    return check_role(user, row[0] if row else None, row[1] if row else None, min_role, f"project {project_id}")


def check_role(user, project, role, min_role, what):
    """The project, if ``user`` (with membership ``role``) may act as ``min_role`` in it.

    Raises NotFound naming ``what`` for non-members, Forbidden for roles too low.
    """
    if project is not None and user.is_superuser:
        role = "manager"
    if project is None or role is None:
        raise NotFound(f"{what} not found")
    if ROLE_RANK[role] < ROLE_RANK[min_role]:
        raise Forbidden(f"this needs the {min_role} role in project {project.id}; you are {role}")
    g._role = role
    return project


def require_superuser():
    user = current_user()
    if not user.is_superuser:
        raise Forbidden("only administrators can do this")
    return user
