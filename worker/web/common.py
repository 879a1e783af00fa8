"""What every server-rendered page shares: who is signed in, the project's navigation,
and errors rendered as pages (the API's JSON errors stay JSON)."""
from functools import wraps

from flask import current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from ..access import csrf_token, current_user, project_for
from ..errors import APIError, NotAuthenticated
from ..models import ROLE_RANK
from . import web_bp


def login_required(view):
    """Send people who are not signed in to the login page, then back here."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user(optional=True) is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def page_project(project_id, min_role="annotator"):
    """The project and the caller's role. Raises NotFound (404) for non-members and
    Forbidden (403) below ``min_role``; both are rendered as pages by ``_page_error``."""
    project = project_for(project_id, min_role)
    return project, g._role


def route_exists(path):
    """Whether some view answers GET ``path`` (other parts add pages on their own schedule)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except WerkzeugNotFound:
        return False
    except Exception:  # noqa: BLE001 - a redirect or a method mismatch still means "exists"
        return True
    return True


def project_nav(project, role):
    """(key, label, url) for the tabs this role may use."""
    pid = project.id
    rank = ROLE_RANK[role]
    items = [("label", "Label", url_for("web.workspace", project_id=pid))]
    if rank >= ROLE_RANK["reviewer"]:
        items += [("data", "Data", url_for("web.data_manager", project_id=pid)),
                  ("review", "Review", url_for("web.review", project_id=pid)),
                  ("export", "Export", url_for("web.export_page", project_id=pid))]
    if rank >= ROLE_RANK["manager"]:
        items += [("import", "Import", url_for("web.import_page", project_id=pid)),
                  ("members", "Members", url_for("web.members", project_id=pid)),
                  ("settings", "Settings", url_for("web.settings", project_id=pid)),
                  ("models", "Models", f"{request.script_root}/projects/{pid}/models")]
    messages = f"/projects/{pid}/messages"
    if route_exists(messages):
        items.append(("messages", "Messages", request.script_root + messages))
    return items


def render_page(template, status=200, project=None, role=None, active=None, **context):
    user = current_user(optional=True)
    nav = project_nav(project, role) if project is not None and role else []
    return render_template(template, user=user, csrf=csrf_token() if user else "", project=project,
                           role=role, nav=nav, active=active, **context), status


@web_bp.errorhandler(APIError)
def _page_error(exc):
    """Errors raised while rendering pages: a page for people, JSON for API-like paths."""
    if request.path.startswith("/data/") or request.accept_mimetypes.best == "application/json":
        return jsonify(exc.to_dict()), exc.status
    if isinstance(exc, NotAuthenticated):
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return render_page("error.html", status=exc.status, message=exc.detail, code=exc.status)
