"""Tasks (Label Studio's /api/tasks) and the labeling stream (/api/projects/{id}/next)."""
from flask import current_app, g, request
from sqlalchemy import update

from ..access import current_user, project_for
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..jsonio import dumps_str
from ..models import Project, Task, utcnow
from ..services import hot_path, stream
from ..services.events import emit_event
from ..services.importer import import_items
from ..services.serialize import task_dict
from ..services.tasks import delete_tasks, page_of_tasks, related, task_for
from . import route
from .util import int_arg, json_body, json_response


@route("/tasks", methods=["GET"])
def list_tasks():
    """Tasks of ?project=ID: {"tasks", "total", "total_annotations", "total_predictions"}.

    page/page_size paginate (page_size ≤ 1000); ?after=TASK_ID seeks by keyset instead;
    ?fields=all includes annotations and predictions.
    """
    project_id = int_arg("project")
    if project_id is None:
        raise ValidationError("project is required: /api/tasks?project=ID")
    project = project_for(project_id)
    page = int_arg("page", 1, minimum=1)
    size = int_arg("page_size", 100, minimum=1, maximum=1000)
    tasks = page_of_tasks(db.session, project, page, size, after=int_arg("after", None, minimum=0))
    full = request.args.get("fields") == "all"
    anns, preds = related(db.session, [t.id for t in tasks]) if full else ({}, {})
    out = [task_dict(t, anns.get(t.id, []), preds.get(t.id, [])) if full else task_dict(t) for t in tasks]
    return json_response({"tasks": out, "total": project.task_count,
                          "total_annotations": project.total_annotations,
                          "total_predictions": project.total_predictions,
                          "next_cursor": tasks[-1].id if len(tasks) == size else None})


@route("/tasks", methods=["POST"])
def create_task():
    """Create one task: {"project": id, "data": {...}, "meta"?, "annotations"?, "predictions"?}."""
    body = json_body()
    pid = body.get("project")
    if not isinstance(pid, int):
        raise ValidationError("project (an integer id) is required")
    project = project_for(pid, "manager")
    stats = import_items(db.session, project, [{k: v for k, v in body.items() if k != "project"}],
                         current_user().id)
    db.session.commit()
    task = db.session.get(Task, stats.first_task_id)
    return json_response(task_dict(task), 201)


@route("/tasks/<int:task_id>", methods=["GET"])
def get_task(task_id):
    """One task with its annotations and predictions."""
    _, task = task_for(db.session, task_id)
    anns, preds = related(db.session, [task.id])
    return json_response(task_dict(task, anns.get(task.id, []), preds.get(task.id, [])))


@route("/tasks/<int:task_id>", methods=["PATCH"])
def update_task(task_id):
    """Change a task's data or meta (managers)."""
    project, task = task_for(db.session, task_id, "manager")
    body = json_body()
    for key in ("data", "meta"):
        if key in body:
            if not isinstance(body[key], dict):
                raise ValidationError(f"{key} must be an object")
            setattr(task, key, dumps_str(body[key]))
    task.updated_at = utcnow()
    db.session.commit()
    return json_response(task_dict(task))


@route("/tasks/<int:task_id>", methods=["DELETE"])
def delete_task(task_id):
    """Delete a task with its annotations and predictions (managers)."""
    project, task = task_for(db.session, task_id, "manager")
    delete_tasks(db.session, project, [task.id])
    emit_event(db.session, project.id, "TASKS_DELETED", {"tasks": [{"id": task_id}]})
    db.session.commit()
    return "", 204


@route("/projects/<int:project_id>/tasks", methods=["GET"])
def list_project_tasks(project_id):
    """Same as /api/tasks?project=ID."""
    request.args = request.args.copy()
    request.args["project"] = str(project_id)
    return list_tasks()


@route("/projects/<int:project_id>/tasks", methods=["DELETE"])
def delete_all_tasks(project_id):
    """Delete every task of a project (managers)."""
    project = project_for(project_id, "manager")
    n = delete_tasks(db.session, project)
    emit_event(db.session, project.id, "TASKS_DELETED", {"tasks": [], "count": n})
    db.session.commit()
    return json_response({"tasks": n})


@route("/projects/<int:project_id>/next", methods=["GET"])
def next_task(project_id):
    """The caller's next task by the project's sampling order, reserved for a short time.

    404 {"error": "no_more_tasks"} when the caller has nothing left to do.
    """
    task = hot_path.next_task(project_id)
    if task is None:  # not a case for the hot path: the general one decides
        project = project_for(project_id)
        user = current_user()
        with db.writing() as session:
            task = stream.next_task(session, project, user.id, current_app.config["TASK_LOCK_SECONDS"])
            session.commit()
    if not task:
        raise NotFound("no more tasks to label in this project for you", code="no_more_tasks")
    # The caller has no annotation on a task the stream hands out; only predictions matter.
    preds = related(db.session, [task.id])[1].get(task.id, []) if task.total_predictions else []
    return json_response(task_dict(task, [], preds))
