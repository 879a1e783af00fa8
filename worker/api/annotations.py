"""Annotations: /api/tasks/{id}/annotations and /api/annotations/{id}."""
from flask import request
from sqlalchemy import select

from ..access import current_user, role_in
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import Annotation, ROLE_RANK
from ..services import annotations as svc, hot_path
from ..services.serialize import annotation_dict
from ..services.tasks import task_for
from . import route
from .util import json_body, json_response


@route("/tasks/<int:task_id>/annotations", methods=["GET"])
def list_annotations(task_id):
    """Annotations of a task."""
    _, task = task_for(db.session, task_id)
    rows = db.session.execute(select(Annotation).where(Annotation.task_id == task.id)
                              .order_by(Annotation.id)).scalars()
    return json_response([annotation_dict(a) for a in rows])


@route("/tasks/<int:task_id>/annotations", methods=["POST"])
def create_annotation(task_id):
    """Submit an annotation {"result", "lead_time"?, "was_cancelled"?, "ground_truth"?}.

    An ``Idempotency-Key`` header (or ``idempotency_key`` field) makes retries safe: the
    same key returns the first annotation (200) instead of adding a second (201).
    """
    key = request.headers.get("Idempotency-Key")
    created = hot_path.create_annotation(task_id, json_body, key)
    if created is not None:
        return json_response(annotation_dict(created), 201)
    project, task, listeners = task_for(db.session, task_id, listeners=True)
    user = current_user()
    prepared = svc.prepare_annotation(db.session, project, task, user, json_body(), idempotency_key=key,
                                      listeners=listeners)
    with db.writing() as session:
        ann, created = svc.create_annotation(session, project, task, user, None, prepared=prepared)
        session.commit()
    return json_response(annotation_dict(ann), 201 if created else 200)


def _annotation_for(annotation_id, write=False):
    """(project, annotation) the caller may see; writers must be the author or a reviewer+."""
    ann = db.session.get(Annotation, annotation_id)
    if ann is None:
        raise NotFound(f"annotation {annotation_id} not found")
    project, _ = task_for(db.session, ann.task_id)
    if write:
        user = current_user()
        if ann.completed_by != user.id and ROLE_RANK[role_in(user, project.id)] < ROLE_RANK["reviewer"]:
            raise Forbidden("only the author, reviewers and managers can change an annotation")
    return project, ann


@route("/annotations/<int:annotation_id>", methods=["GET"])
def get_annotation(annotation_id):
    """One annotation."""
    _, ann = _annotation_for(annotation_id)
    return json_response(annotation_dict(ann))


@route("/annotations/<int:annotation_id>", methods=["PATCH", "PUT"])
def update_annotation(annotation_id):
    """Change an annotation's result or flags (author, reviewers, managers)."""
    project, ann = _annotation_for(annotation_id, write=True)
    svc.update_annotation(db.session, project, ann, json_body())
    db.session.commit()
    return json_response(annotation_dict(ann))


@route("/annotations/<int:annotation_id>", methods=["DELETE"])
def delete_annotation(annotation_id):
    """Delete an annotation (author, reviewers, managers)."""
    project, ann = _annotation_for(annotation_id, write=True)
    svc.delete_annotation(db.session, project, ann)
    db.session.commit()
    return "", 204
