"""Single sign-on from the WordPress plugin, and the assertions the service sends back to it.

A token is ``base64url(payload JSON) "." base64url(HMAC-SHA256(secret, first part))``. The payload
(written by ``Label_Art_Sso`` in the plugin) carries ``aud``, ``sub`` (the WordPress user id),
``name``, ``login``, ``email``, ``roles``, ``projects`` ([{id, role}] with service project ids),
``project`` (where to land), ``site`` (the plugin's REST base URL), ``iat``, ``exp`` and ``nonce``.

The same secret signs the service's *assertions* to the plugin (``aud`` = ``ASSERTION_AUD``), so a
token of one kind is never accepted as the other.
"""
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import APIError
from ..models import Membership, Project, SsoNonce, User

log = logging.getLogger(__name__)

# Audience of a sign-on token from WordPress.
SSO_AUD = "labelart-sso"
# Audience of an assertion the service sends to the plugin's REST API.
ASSERTION_AUD = "label-art-messages"
# A token may live at most this long, whatever its exp says: a leaked URL goes stale quickly.
MAX_LIFETIME = 300
# Clock skew tolerated between the WordPress host and this one.
LEEWAY = 30
# How long an assertion for the messages panel is valid.
ASSERTION_TTL = 60
# Project roles a token may grant; anything else in a claim is refused, not guessed.
CLAIM_ROLES = ("annotator", "reviewer", "manager")


class SsoError(APIError):
    """A token that must not open a session; ``status`` is 400 (malformed) or 403 (refused)."""

    status = 403
    code = "sso_refused"


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload, secret):
    """Encode and sign ``payload`` (a dict) with ``secret``."""
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token, secret, aud, now=None):
    """Check signature, audience and expiry; return the payload.

    Raises ``SsoError`` 400 for a malformed token, 403 for a bad signature, wrong audience or
    an expired token. The signature is compared in constant time before the payload is parsed,
    so nothing an attacker wrote is interpreted unless it was signed.
    """
    if not token or token.count(".") != 1 or len(token) > 8192:
        raise SsoError("The sign-in link is malformed.", code="sso_malformed", status=400)
    body, mac = token.split(".")
    try:
        given = _unb64(mac)
    except ValueError as exc:
        raise SsoError("The sign-in link is malformed.", code="sso_malformed", status=400) from exc
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise SsoError("The sign-in link's signature does not match: it was altered, or the "
                       "community site and this service do not share the same secret.",
                       code="sso_bad_signature")
    try:
        payload = json.loads(_unb64(body))
    except ValueError as exc:
        raise SsoError("The sign-in link is malformed.", code="sso_malformed", status=400) from exc
    if not isinstance(payload, dict) or payload.get("aud") != aud:
        raise SsoError("The sign-in link was not made for this purpose.", code="sso_wrong_audience")
    _check_times(payload, now if now is not None else time.time())
    return payload


def _check_times(payload, now):
    exp, iat = payload.get("exp"), payload.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise SsoError("The sign-in link has no valid expiry.", code="sso_malformed", status=400)
    if exp < now - LEEWAY:
        raise SsoError("The sign-in link has expired. Go back to the community site and press "
                       "“Start labeling” again.", code="sso_expired")
    if exp - iat > MAX_LIFETIME or iat > now + LEEWAY:
        raise SsoError("The sign-in link claims an impossible lifetime.", code="sso_bad_lifetime")


def consume_nonce(session_, payload):
    """Remember the token's nonce; a second use raises ``SsoError`` (replay).

    The primary key on ``sso_nonces.nonce`` makes this race-free: two requests with the same
    token cannot both insert it.
    """
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64:
        raise SsoError("The sign-in link has no valid nonce.", code="sso_malformed", status=400)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    session_.execute(delete(SsoNonce).where(SsoNonce.expires_at < now - timedelta(seconds=LEEWAY)))
    session_.add(SsoNonce(nonce=nonce, expires_at=datetime.fromtimestamp(payload["exp"], timezone.utc)
                          .replace(tzinfo=None) + timedelta(seconds=LEEWAY)))
    try:
        session_.flush()
    except IntegrityError as exc:
        session_.rollback()
        raise SsoError("This sign-in link was already used. Links work once: go back to the "
                       "community site and press “Start labeling” again.", code="sso_replayed") from exc


def _claims(payload):
    """Validate the identity claims; raise ``SsoError`` 400 naming the bad one."""
    sub = payload.get("sub")
    if not isinstance(sub, int) or sub <= 0:
        raise SsoError("The sign-in link has no valid user id.", code="sso_malformed", status=400)
    projects = payload.get("projects", [])
    if not isinstance(projects, list) or not all(
            isinstance(p, dict) and isinstance(p.get("id"), int) and p.get("role") in CLAIM_ROLES
            for p in projects):
        raise SsoError("The sign-in link's project list is invalid.", code="sso_malformed", status=400)
    return sub, {p["id"]: p["role"] for p in projects}


def upsert_user(session_, payload):
    """Create or update the user named by ``payload['sub']`` and sync their memberships.

    WordPress owns who belongs where, so the token's project list replaces this user's memberships:
    a member removed or suspended on the site loses access at their next sign-on.
    Raises ``SsoError`` 403 when the service account is deactivated.
    """
    wp_id, wanted = _claims(payload)
    user = session_.execute(select(User).where(User.wp_user_id == wp_id)).scalar_one_or_none()
    if user is None:
        user = User(wp_user_id=wp_id, username=_free_username(session_, payload, wp_id))
        session_.add(user)
    elif not user.is_active:
        raise SsoError("Your account on the labeling service is disabled.", code="sso_disabled")
    user.display_name = str(payload.get("name", ""))[:200]
    user.email = str(payload.get("email", ""))[:254]
    session_.flush()
    existing = {project_id for project_id, in session_.execute(
        select(Project.id).where(Project.id.in_(wanted)))} if wanted else set()
    current = {m.project_id: m for m in session_.execute(
        select(Membership).where(Membership.user_id == user.id)).scalars()}
    for project_id, membership in current.items():
        if project_id not in wanted:
            session_.delete(membership)
        elif project_id in existing:
            membership.role = wanted[project_id]
    for project_id in existing - current.keys():
        session_.add(Membership(project_id=project_id, user_id=user.id, role=wanted[project_id]))
    session_.flush()
    return user


def _free_username(session_, payload, wp_id):
    """The WordPress login when it is free here, else the login with the WordPress id appended
    (a local ``admin`` must not be taken over by a site's ``admin``)."""
    login = "".join(ch for ch in str(payload.get("login", "")) if ch.isalnum() or ch in "._-@")[:120]
    login = login or f"wp{wp_id}"
    taken = session_.execute(select(User.id).where(User.username == login)).scalar_one_or_none()
    return login if taken is None else f"{login}-wp{wp_id}"


def make_assertion(secret, wp_user_id, service_project_id, now=None):
    """A short-lived proof, for the plugin's REST API, that this request acts for ``wp_user_id``."""
    now = int(now if now is not None else time.time())
    return sign({"aud": ASSERTION_AUD, "sub": wp_user_id, "project": service_project_id,
                 "iat": now, "exp": now + ASSERTION_TTL, "nonce": secrets.token_hex(16)}, secret)


def shared_secret(config):
    """The secret shared with WordPress: ``LABELART_SSO_SECRET`` when set, else the one generated
    for this install in ``DATA_DIR/secrets.json``."""
    return config.get("SSO_SECRET") or config["SECRETS"]["sso_shared_secret"]
