"""Admin settings changed at run time: the allow-list of private hosts server-side fetches may reach."""
from flask import current_app

from ..access import require_superuser
from ..errors import ValidationError
from ..extensions import db
from ..jsonio import dumps_str
from ..models import Setting
from ..net.fetch_guard import ALLOW_SETTING, normalize_entry, stored_allow
from . import route
from .util import field, json_body, json_response

MAX_ENTRIES = 1000


@route("/settings/fetch-allow", methods=["GET"])
def get_fetch_allow():
    """The admin allow-list ("allow") and the entries fixed by LABELART_FETCH_ALLOW ("config")."""
    require_superuser()
    return json_response(_allow_body())


@route("/settings/fetch-allow", methods=["PUT"])
def put_fetch_allow():
    """Replace the admin allow-list: {"allow": ["127.0.0.1", "10.0.0.0/8", "hooks.example.org"]}.

    Raises Forbidden (403) for non-admins, ValidationError (400) naming a bad entry.
    """
    require_superuser()
    entries = field(json_body(), "allow", list, required=True)
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(f"allow: at most {MAX_ENTRIES} entries")
    cleaned = []
    for index, entry in enumerate(entries):
        try:
            cleaned.append(normalize_entry(entry))
        except ValueError as exc:
            raise ValidationError(f"allow[{index}]: {exc}") from exc
    row = db.session.get(Setting, ALLOW_SETTING) or Setting(key=ALLOW_SETTING)
    row.value = dumps_str(list(dict.fromkeys(cleaned)))
    db.session.add(row)
    db.session.commit()
    return json_response(_allow_body())


def _allow_body():
    return {"allow": stored_allow(), "config": list(current_app.config.get("FETCH_ALLOW") or [])}
