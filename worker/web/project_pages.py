"""Project pages: create from the template gallery, data manager, import, export, members
and settings. Each renders a shell; small scripts call the REST API with the CSRF token."""
from flask import abort, current_app, send_from_directory
from sqlalchemy import select

from ..access import current_user
from ..extensions import db
from ..labeling.config import parse_config
from ..labeling.templates import GALLERY, SAMPLE_BY_TAG
from ..models import Membership, ROLES, SAMPLING, User
from ..services.projects import SAMPLING_ALIASES
from .common import login_required, page_project, render_page
from .lsf import lsf_dir
from . import web_bp


@web_bp.route("/static/lsf/<path:filename>")
def lsf_static(filename):
    """The Label Studio Frontend build from `npm ci` (node_modules is never committed)."""
    root = lsf_dir(current_app)
    if root is None:
        abort(404, description="the labeling editor is not installed: run `make setup` (npm ci)")
    resp = send_from_directory(root, filename, max_age=24 * 3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@web_bp.route("/projects/new")
@login_required
def create_project():
    gallery = [{"name": t.name, "title": t.title, "group": t.group, "config": t.config, "sample": t.sample}
               for t in GALLERY]
    return render_page("create.html", gallery=gallery, sample_by_tag=SAMPLE_BY_TAG)


def _members(project_id):
    rows = db.session.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                              .where(Membership.project_id == project_id).order_by(User.username)).all()
    return [{"id": u.id, "username": u.username, "display_name": u.display_name, "email": u.email, "role": r}
            for u, r in rows]


def _labels(config):
    return sorted(set().union(*(c.labels for c in config.controls.values()))) if config.controls else []


@web_bp.route("/projects/<int:project_id>/data")
@login_required
def data_manager(project_id):
    project, role = page_project(project_id, "reviewer")
    config = parse_config(project.label_config)
    page = {"project": project.id, "role": role, "members": _members(project.id),
            "labels": _labels(config), "columns": config.data_fields, "me": current_user().id}
    from ..formats import WRITER_MODULES

    return render_page("datamanager.html", project=project, role=role, active="data", page=page,
                       export_formats=list(WRITER_MODULES))


@web_bp.route("/projects/<int:project_id>/import")
@login_required
def import_page(project_id):
    project, role = page_project(project_id, "manager")
    config = parse_config(project.label_config)
    return render_page("import.html", project=project, role=role, active="import",
                       page={"project": project.id, "fields": config.data_fields})


@web_bp.route("/projects/<int:project_id>/export")
@login_required
def export_page(project_id):
    project, role = page_project(project_id, "reviewer")
    return render_page("export.html", project=project, role=role, active="export",
                       page={"project": project.id})


@web_bp.route("/projects/<int:project_id>/members")
@login_required
def members(project_id):
    project, role = page_project(project_id, "manager")
    return render_page("members.html", project=project, role=role, active="members",
                       members=_members(project.id), roles=ROLES,
                       page={"project": project.id, "me": current_user().id, "roles": list(ROLES)})


@web_bp.route("/projects/<int:project_id>/settings")
@login_required
def settings(project_id):
    project, role = page_project(project_id, "manager")
    samplings = [(name, SAMPLING_ALIASES.get(name, name)) for name in SAMPLING]
    return render_page("settings.html", project=project, role=role, active="settings", samplings=samplings,
                       page={"project": project.id})


@web_bp.route("/projects/<int:project_id>/members/lookup")
@login_required
def member_lookup(project_id):
    """A user's id by email, for the members page (managers). The members API itself takes
    ids and usernames, as Label Studio's does."""
    from flask import jsonify, request

    from ..errors import NotFound, ValidationError

    page_project(project_id, "manager")
    email = request.args.get("email", "").strip()
    if "@" not in email:
        raise ValidationError("give an email address")
    rows = db.session.execute(select(User.id, User.username).where(User.email == email).limit(2)).all()
    if len(rows) != 1:
        raise NotFound(f"no single account has the email {email!r}")
    return jsonify({"id": rows[0].id, "username": rows[0].username})
