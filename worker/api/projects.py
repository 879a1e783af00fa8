"""Projects: Label Studio's /api/projects plus Label.Art's members endpoints."""
from flask import request
from sqlalchemy import func, select

from ..access import current_user, project_for
from ..extensions import db
from ..labeling.config import parse_config
from ..models import Membership, Project, User
from ..services import projects as svc
from ..services.events import emit_event
from ..services.serialize import project_dict
from . import route
from .util import int_arg, json_body, json_response


@route("/projects", methods=["GET"])
def list_projects():
    """List projects the caller belongs to, paginated as {count, next, previous, results}."""
    user = current_user()
    page = int_arg("page", 1, minimum=1)
    size = int_arg("page_size", 30, minimum=1, maximum=1000)
    q = select(Project, Membership.role).outerjoin(
        Membership, (Membership.project_id == Project.id) & (Membership.user_id == user.id))
    if not user.is_superuser:
        q = q.where(Membership.id.is_not(None))
    count = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = db.session.execute(q.order_by(Project.id.desc()).limit(size).offset((page - 1) * size)).all()
    base = request.base_url
    nxt = f"{base}?page={page + 1}&page_size={size}" if page * size < count else None
    prev = f"{base}?page={page - 1}&page_size={size}" if page > 1 else None
    results = [project_dict(p, role or ("manager" if user.is_superuser else None)) for p, role in rows]
    return json_response({"count": count, "next": nxt, "previous": prev, "results": results})


@route("/projects", methods=["POST"])
def create_project():
    """Create a project; the caller becomes its manager. 400 names a bad label_config."""
    user = current_user()
    body = json_body()
    project = svc.create_project(db.session, user, body)
    emit_event(db.session, project.id, "PROJECT_CREATED", {"project": project_dict(project)})
    db.session.commit()
    return json_response(project_dict(project, "manager"), 201)


@route("/projects/<int:project_id>", methods=["GET"])
def get_project(project_id):
    """One project (members only; 404 otherwise)."""
    project = project_for(project_id)
    from flask import g
    return json_response(project_dict(project, g._role))


@route("/projects/<int:project_id>", methods=["PATCH", "PUT"])
def update_project(project_id):
    """Change a project's fields (managers)."""
    project = project_for(project_id, "manager")
    svc.apply_fields(project, json_body())
    emit_event(db.session, project.id, "PROJECT_UPDATED", {"project": project_dict(project)})
    db.session.commit()
    return json_response(project_dict(project, "manager"))


@route("/projects/<int:project_id>", methods=["DELETE"])
def delete_project(project_id):
    """Delete a project with its tasks, annotations and predictions (managers)."""
    project = project_for(project_id, "manager")
    db.session.delete(project)
    db.session.commit()
    return "", 204


@route("/projects/validate", methods=["POST"])
def validate_config():
    """Check a labeling config without saving it: 204, or 400 naming the problem."""
    current_user()
    body = json_body()
    parse_config(body.get("label_config", ""))
    return "", 204


@route("/projects/<int:project_id>/members", methods=["GET"])
def list_members(project_id):
    """Members of a project with their roles."""
    project_for(project_id)
    rows = db.session.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                              .where(Membership.project_id == project_id).order_by(User.id)).all()
    return json_response([{**u.to_dict(), "role": role} for u, role in rows])


@route("/projects/<int:project_id>/members", methods=["POST"])
def add_member(project_id):
    """Add a member or change their role: {"user": id|username, "role": annotator|reviewer|manager}."""
    project = project_for(project_id, "manager")
    body = json_body()
    user, row = svc.set_member(db.session, project, body.get("user"), body.get("role", "annotator"))
    db.session.commit()
    return json_response({**user.to_dict(), "role": row.role}, 201)


@route("/projects/<int:project_id>/members/<int:user_id>", methods=["DELETE"])
def remove_member(project_id, user_id):
    """Remove a member (managers)."""
    project = project_for(project_id, "manager")
    svc.remove_member(db.session, project, user_id)
    db.session.commit()
    return "", 204
