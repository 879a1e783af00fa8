"""Webhooks: Label Studio's /api/webhooks. Deliveries are signed and sent by ``worker.jobs.webhooks``.

A project's hooks are managed by its managers; a hook with no project fires for every
project and is for administrators only. The per-hook secret is shown once, on creation.
"""
import re
import secrets

import orjson
from sqlalchemy import select

from ..access import current_user, project_for, require_superuser
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..jsonio import dumps_str, iso
from ..models import Membership, Webhook
from ..net.fetch_guard import FetchFailed, check_url
from ..services.events import ACTIONS
from . import route
from .util import field, int_arg, json_body, json_response

# RFC 9110 token characters for header names.
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
# Set by the sender itself; a hook may not override them (nor forge our signature headers).
RESERVED_HEADERS = {"host", "content-type", "content-length", "transfer-encoding", "connection"}
MAX_HEADERS = 50
MAX_HEADER_VALUE = 4096
MAX_URL = 2048


def hook_dict(hook):
    """A webhook as Label Studio shows it (never with its secret)."""
    return {
        "id": hook.id, "project": hook.project_id, "url": hook.url,
        "send_payload": hook.send_payload, "send_for_all_actions": hook.send_for_all_actions,
        "headers": orjson.loads(hook.headers or "{}"), "is_active": hook.is_active,
        "actions": orjson.loads(hook.actions or "[]"),
        "created_at": iso(hook.created_at), "updated_at": iso(hook.updated_at),
    }


@route("/webhooks/info", methods=["GET"])
def webhooks_info():
    """The actions a webhook can subscribe to, keyed by name as in Label Studio."""
    current_user()
    return json_response({action: {"name": action.replace("_", " ").capitalize(), "key": action}
                          for action in ACTIONS})


@route("/webhooks", methods=["GET"])
def list_webhooks():
    """Webhooks of ``?project=ID`` (managers), else all the caller may manage."""
    user = current_user()
    project_id = int_arg("project", minimum=1)
    query = select(Webhook).order_by(Webhook.id)
    if project_id is not None:
        project_for(project_id, "manager", user)
        query = query.where(Webhook.project_id == project_id)
    elif not user.is_superuser:
        managed = select(Membership.project_id).where(Membership.user_id == user.id,
                                                      Membership.role == "manager")
        query = query.where(Webhook.project_id.in_(managed))
    return json_response([hook_dict(h) for h in db.session.execute(query).scalars()])


@route("/webhooks", methods=["POST"])
def create_webhook():
    """Create a webhook; the response alone carries its ``secret``.

    Raises Forbidden (403) without the manager role (or admin, for a hook with no project),
    NotFound (404) for non-members, ValidationError (400) naming a bad field or refused URL.
    """
    user = current_user()
    body = json_body()
    project_id = field(body, "project", int)
    _authorize_target(project_id)
    if "url" not in body:
        raise ValidationError("url is required")
    hook = Webhook(project_id=project_id, secret=secrets.token_urlsafe(32), created_by_id=user.id,
                   send_payload=True, send_for_all_actions=True, is_active=True,
                   actions="[]", headers="{}")
    _apply(hook, body)
    db.session.add(hook)
    db.session.commit()
    # Answer with what was stored (MariaDB keeps whole seconds), as later reads will show it.
    db.session.refresh(hook)
    return json_response({**hook_dict(hook), "secret": hook.secret}, 201)


@route("/webhooks/<int:hook_id>", methods=["GET"])
def get_webhook(hook_id):
    """One webhook (404 for non-members, 403 below manager)."""
    return json_response(hook_dict(_hook_for(hook_id)))


@route("/webhooks/<int:hook_id>", methods=["PATCH", "PUT"])
def update_webhook(hook_id):
    """Change a webhook's fields; moving it to another project needs the right there too."""
    hook = _hook_for(hook_id)
    body = json_body()
    if "project" in body:
        project_id = field(body, "project", int)
        _authorize_target(project_id)
        hook.project_id = project_id
    _apply(hook, body)
    db.session.commit()
    db.session.refresh(hook)
    return json_response(hook_dict(hook))


@route("/webhooks/<int:hook_id>", methods=["DELETE"])
def delete_webhook(hook_id):
    """Delete a webhook with its pending deliveries."""
    db.session.delete(_hook_for(hook_id))
    db.session.commit()
    return "", 204


def _authorize_target(project_id):
    """May the caller put a hook on ``project_id`` (None: organisation-wide)?

    Raises NotFound (404) for non-members, Forbidden (403) below manager or for
    a non-admin asking for an organisation-wide hook.
    """
    if project_id is None:
        require_superuser()
    else:
        project_for(project_id, "manager")


def _hook_for(hook_id):
    """A webhook the caller may manage.

    Raises NotFound (404) when it is missing, the caller is not a member of its project,
    or it is organisation-wide and the caller is not an admin; Forbidden (403) below manager.
    """
    user = current_user()
    hook = db.session.get(Webhook, hook_id)
    if hook is None or (hook.project_id is None and not user.is_superuser):
        raise NotFound(f"webhook {hook_id} not found")
    if hook.project_id is not None:
        try:
            project_for(hook.project_id, "manager", user)
        except NotFound:
            raise NotFound(f"webhook {hook_id} not found") from None
    return hook


def _apply(hook, body):
    """Copy the writable fields present in ``body`` onto ``hook``. Raises ValidationError naming a bad one."""
    if "url" in body:
        hook.url = _checked_url(field(body, "url", str, required=True))
    for name in ("send_payload", "send_for_all_actions", "is_active"):
        if name in body:
            setattr(hook, name, field(body, name, bool, required=True))
    if "headers" in body:
        hook.headers = dumps_str(_checked_headers(field(body, "headers", dict, default={})))
    if "actions" in body:
        hook.actions = dumps_str(_checked_actions(field(body, "actions", list, default=[])))


def _checked_url(url):
    """``url`` if the fetch guard would send to it. Raises ValidationError (FetchBlocked) with the guard's reason."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise ValidationError(f"url is longer than {MAX_URL} characters")
    try:
        check_url(url)
    except FetchFailed as exc:
        raise ValidationError(f"url: {exc.detail}") from exc
    return url


def _checked_headers(headers):
    """Custom headers as {str: str}. Raises ValidationError naming a bad one."""
    if len(headers) > MAX_HEADERS:
        raise ValidationError(f"headers: at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not HEADER_NAME_RE.match(name):
            raise ValidationError(f"headers: {name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS or name.lower().startswith("x-labelart-"):
            raise ValidationError(f"headers: {name!r} is set by Label.Art and cannot be overridden")
        if not isinstance(value, str):
            raise ValidationError(f"headers: the value of {name!r} must be a string")
        if len(value) > MAX_HEADER_VALUE or any(ch in value for ch in "\r\n\0"):
            raise ValidationError(f"headers: the value of {name!r} is too long or contains line breaks")
    return headers


def _checked_actions(actions):
    """Known action names, without repeats. Raises ValidationError naming an unknown one."""
    for action in actions:
        if action not in ACTIONS:
            raise ValidationError(f"actions: unknown action {action!r}; see /api/webhooks/info")
    return list(dict.fromkeys(actions))
