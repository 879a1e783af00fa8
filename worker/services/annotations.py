"""Creating, changing and deleting annotations and predictions, keeping task counters true."""
from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, ValidationError
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..labeling.results import validate_result
from ..models import Annotation, Prediction, Project, Task, utcnow
from . import stream
from .events import emit_event, hooks_for
from .serialize import annotation_dict, task_dict
from .tasks import Listeners
from ..quality.review import on_annotation_created as quality_hook

MAX_KEY = 100


def number(body, name):
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{name} must be a number")
    return float(value)


def prepare_annotation(session, project, task, user, body, idempotency_key=None, listeners=None):
    """Validate a submit before any write lock is taken; returns what ``create_annotation``
    needs. ``listeners`` (from ``task_for``) spares the look-ups when nothing listens.
    Raises ValidationError."""
    key = idempotency_key or body.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY):
        raise ValidationError(f"idempotency key must be a string of 1 to {MAX_KEY} characters")
    result = body.get("result", [])
    validate_result(result, parse_config(project.label_config))
    values = {"task_id": task.id, "project_id": project.id, "completed_by": user.id,
              "result": dumps_str(result), "was_cancelled": bool(body.get("was_cancelled", False)),
              "ground_truth": bool(body.get("ground_truth", False)), "lead_time": number(body, "lead_time"),
              "idempotency_key": key or None, "parent_prediction": _int_or_none(body.get("parent_prediction"))}
    listeners = listeners or Listeners()
    hooks = hooks_for(session, project.id, "ANNOTATION_CREATED") if listeners.webhooks else []
    return values, hooks, listeners


def create_annotation(session, project, task, user, body, idempotency_key=None, prepared=None):
    """Add an annotation; returns (annotation, created). A repeated idempotency key returns
    the first annotation instead of adding another. Raises ValidationError / Conflict."""
    values, hooks, listeners = prepared or prepare_annotation(session, project, task, user, body, idempotency_key)
    key = values["idempotency_key"]
    # Inside the project's write lock a retry cannot race its original, so looking the
    # key up first is exact; the unique constraint stays as the last line of defence.
    stream.serialise(session, project.id)
    if key:
        found = _by_key(session, user.id, key, task.id)
        if found is not None:
            return found, False
    now = utcnow()
    row = {**values, "created_at": now, "updated_at": now}
    try:
        # Core insert: the ORM unit of work costs more than the insert itself here.
        new_id = session.execute(_INSERT_ANNOTATION, row).inserted_primary_key[0]
    except IntegrityError as exc:
        raise Conflict("annotation could not be saved; retry") from exc
    ann = Annotation(id=new_id, review_status=None, review_comment="", reviewed_by=None, reviewed_at=None, **row)
    _count_new(session, project.id, task.id, ann.was_cancelled, project.overlap)
    stream.release(session, task.id, user.id)
    emit_event(session, project.id, "ANNOTATION_CREATED",
               lambda: {"annotation": annotation_dict(ann), "task": task_dict(task)}, hooks=hooks)
    if listeners.training:
        from .ml import on_annotation_created  # online learning: queues training every N annotations
        on_annotation_created(session, project.id)
    quality_hook(session, project, task, ann.was_cancelled)  # task agreement + review rule, after commit
    return ann, True


def _by_key(session, user_id, key, task_id):
    # Ids only: a retry is rare, so the ORM object is loaded only when there is one.
    found = session.execute(_BY_KEY, {"user_id": user_id, "key": key}).first()
    if found is None:
        return None
    if found.task_id != task_id:
        raise Conflict(f"idempotency key {key!r} was already used for task {found.task_id}")
    return session.get(Annotation, found.id)


def _int_or_none(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_tasks, _projects, _annotations = Task.__table__, Project.__table__, Annotation.__table__
_BY_KEY = select(_annotations.c.id, _annotations.c.task_id).where(
    _annotations.c.completed_by == bindparam("user_id"), _annotations.c.idempotency_key == bindparam("key"))
_INSERT_ANNOTATION = insert(Annotation.__table__)
_PROJECT_DONE = (update(_projects).where(_projects.c.id == bindparam("b_project"))
                 .values(total_annotations=_projects.c.total_annotations + 1))
# is_labeled first: MariaDB evaluates SET left to right with already-updated values.
_TASK_DONE = (update(_tasks).where(_tasks.c.id == bindparam("b_task")).ordered_values(
    (_tasks.c.is_labeled, case((_tasks.c.total_annotations + 1 >= bindparam("b_overlap"), True), else_=False)),
    (_tasks.c.total_annotations, _tasks.c.total_annotations + 1),
    (_tasks.c.updated_at, bindparam("b_now"))))
_TASK_SKIPPED = (update(_tasks).where(_tasks.c.id == bindparam("b_task"))
                 .values(cancelled_annotations=_tasks.c.cancelled_annotations + 1, updated_at=bindparam("b_now")))


def _count_new(session, project_id, task_id, cancelled, overlap):
    params = {"b_task": task_id, "b_now": utcnow(), "b_overlap": overlap}
    if cancelled:
        session.execute(_TASK_SKIPPED, params)
        return
    session.execute(_PROJECT_DONE, {"b_project": project_id})
    session.execute(_TASK_DONE, params)


def update_annotation(session, project, ann, body):
    """Change result / flags of an annotation. Raises ValidationError."""
    if "result" in body:
        validate_result(body["result"], parse_config(project.label_config))
        ann.result = dumps_str(body["result"])
    for flag in ("was_cancelled", "ground_truth"):
        if flag in body:
            if not isinstance(body[flag], bool):
                raise ValidationError(f"{flag} must be true or false")
            setattr(ann, flag, body[flag])
    if "lead_time" in body:
        ann.lead_time = number(body, "lead_time")
    ann.updated_at = utcnow()
    stream.serialise(session, project.id)
    session.flush()
    stream.refresh_counters(session, ann.task_id, project.overlap)
    emit_event(session, project.id, "ANNOTATION_UPDATED", lambda: {"annotation": annotation_dict(ann)})


def delete_annotation(session, project, ann):
    payload = {"annotations": [{"id": ann.id, "task": ann.task_id}]}
    stream.serialise(session, project.id)
    session.delete(ann)
    session.flush()
    stream.refresh_counters(session, ann.task_id, project.overlap)
    emit_event(session, project.id, "ANNOTATIONS_DELETED", payload)


def create_prediction(session, project, task, body):
    """Add a model prediction to a task. Raises ValidationError."""
    result = body.get("result", [])
    validate_result(result, parse_config(project.label_config))
    score = number(body, "score")
    version = body.get("model_version") or ""
    if not isinstance(version, str) or len(version) > 200:
        raise ValidationError("model_version must be a string of at most 200 characters")
    stream.serialise(session, project.id)
    pred = Prediction(task_id=task.id, project_id=project.id, result=dumps_str(result), score=score,
                      model_version=version)
    session.add(pred)
    session.flush()
    refresh_prediction_counters(session, task.id)
    return pred


def refresh_prediction_counters(session, task_id):
    task = session.get(Task, task_id)
    stream.serialise(session, task.project_id)
    n, low = session.execute(select(func.count(), func.min(Prediction.score))
                             .where(Prediction.task_id == task_id)).one()
    delta = n - task.total_predictions
    session.execute(update(Task).where(Task.id == task_id).values(total_predictions=n, prediction_score=low))
    if delta:
        session.execute(update(Project).where(Project.id == task.project_id)
                        .values(total_predictions=Project.total_predictions + delta))
    session.refresh(task)
