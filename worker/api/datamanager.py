"""The data manager's API: filtered, ordered, keyset-paged task lists and bulk actions.

Filters and orderings come from a fixed allow-list of query parameters; a client never
names a column or a JSON path (Label Studio's CVE-2023-47117 leaked password hashes
through a client-chosen filter path). Unknown parameters are refused with 400 naming them.
"""
import orjson
from flask import Response, request, stream_with_context
from sqlalchemy import and_, exists, func, or_, select

from ..access import current_user, project_for
from ..errors import ValidationError
from ..extensions import db
from ..formats import WRITER_MODULES, writer
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..models import Annotation, Membership, Setting, Task, User, utcnow
from ..services.events import emit_event
from ..services.serialize import task_dict
from ..services.tasks import delete_tasks
from . import route
from .util import json_body, json_response

# Query parameters GET .../dm/tasks understands; anything else is a 400.
FILTER_PARAMS = {"status", "annotator", "label", "score_min", "score_max", "q", "ids", "assignee"}
PAGING_PARAMS = {"order", "cursor", "page_size"}
STATUSES = ("labeled", "unlabeled", "skipped", "accepted", "rejected", "fixed", "unreviewed")
# ordering name -> (column expression, descending). Scores sort missing values first.
ORDERS = {
    "id": ("id", False), "-id": ("id", True),
    "total_annotations": ("total_annotations", False), "-total_annotations": ("total_annotations", True),
    "prediction_score": ("prediction_score", False), "-prediction_score": ("prediction_score", True),
}
DEFAULT_PAGE = 50
MAX_PAGE = 500
# Filtered totals are counted up to this many rows: an exact COUNT over a million-task
# project would cost more than the page itself.
COUNT_CAP = 10_000
MAX_IDS = 10_000
MAX_QUERY_CHARS = 200
# Setting key marking a project that has task assignments, so the workspace only looks
# for assigned tasks where some exist.
ASSIGNED_KEY = "dm.assignments.{}"
MISSING_SCORE = -1e308


def _reject_unknown(allowed):
    """Raises ValidationError naming every query parameter outside ``allowed``."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ValidationError(f"unknown filter or ordering field(s): {', '.join(unknown)}; "
                              f"allowed: {', '.join(sorted(allowed))}",
                              code="unknown_field", extra={"fields": unknown})


def _float(name):
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a number, got {raw!r}") from None


def parse_ids(raw, name="ids"):
    """'1,2,5' or a JSON list → list of ints. Raises ValidationError."""
    items = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p.strip()]
    if len(items) > MAX_IDS:
        raise ValidationError(f"{name} may list at most {MAX_IDS} tasks")
    out = []
    for item in items:
        if isinstance(item, bool):
            raise ValidationError(f"{name} must be integers")
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            raise ValidationError(f"{name} must be integers, got {item!r}") from None
    return out


def like_escape(text):
    """Escape LIKE wildcards so a search for '50%' means the characters, not a pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ann_subquery(project_id, *conds):
    return select(Annotation.task_id).where(Annotation.project_id == project_id, *conds)


def _user_id(project_id, raw, name):
    """A member's id from an id or username. Raises ValidationError."""
    if raw == "me":
        return current_user().id
    q = select(User.id).join(Membership, Membership.user_id == User.id)\
        .where(Membership.project_id == project_id)
    q = q.where(User.id == int(raw)) if raw.isdigit() else q.where(User.username == raw)
    uid = db.session.execute(q).scalar_one_or_none()
    if uid is None:
        raise ValidationError(f"{name} {raw!r} is not a member of this project")
    return uid


def build_filters(project, config):
    """SQL conditions for the request's filter parameters. Raises ValidationError."""
    args, pid = request.args, project.id
    conds = [Task.project_id == pid]
    status = args.get("status", "")
    if status:
        conds.append(_status_condition(pid, status))
    if args.get("annotator"):
        uid = _user_id(pid, args["annotator"], "annotator")
        conds.append(Task.id.in_(_ann_subquery(pid, Annotation.completed_by == uid)))
    if args.get("assignee"):
        uid = _user_id(pid, args["assignee"], "assignee")
        conds.append(_assigned_condition(uid))
    if args.get("label"):
        label = args["label"]
        known = set().union(*(c.labels for c in config.controls.values())) if config.controls else set()
        if label not in known:
            raise ValidationError(f"label {label!r} is not in this project's labeling config")
        # Stored results are compact JSON, so a chosen label appears as a quoted string.
        needle = f'%{like_escape(orjson.dumps(label).decode())}%'
        conds.append(Task.id.in_(_ann_subquery(pid, Annotation.result.like(needle, escape="\\"),
                                               Annotation.was_cancelled.is_(False))))
    lo, hi = _float("score_min"), _float("score_max")
    if lo is not None:
        conds.append(Task.prediction_score >= lo)
    if hi is not None:
        conds.append(Task.prediction_score <= hi)
    text = args.get("q", "")
    if text:
        if len(text) > MAX_QUERY_CHARS:
            raise ValidationError(f"q is longer than {MAX_QUERY_CHARS} characters")
        # Search the stored JSON text; json-escape the needle so quotes and non-ASCII match
        # the way orjson stored them.
        needle = orjson.dumps(text).decode()[1:-1]
        conds.append(Task.data.like(f"%{like_escape(needle)}%", escape="\\"))
    if args.get("ids"):
        conds.append(Task.id.in_(parse_ids(args["ids"])))
    return conds


def _assigned_condition(uid):
    """Tasks whose meta lists ``uid`` among "assignees" (compact JSON, as orjson stores it)."""
    pieces = [f'%"assignees":[{uid}]%', f'%"assignees":[{uid},%', f'%"assignees":[%,{uid},%',
              f'%"assignees":[%,{uid}]%']
    return or_(*(Task.meta.like(p) for p in pieces))


def _status_condition(pid, status):
    if status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    if status == "labeled":
        return Task.is_labeled.is_(True)
    if status == "unlabeled":
        return Task.is_labeled.is_(False)
    if status == "skipped":
        return Task.cancelled_annotations > 0
    if status == "unreviewed":
        return Task.id.in_(_ann_subquery(pid, Annotation.review_status.is_(None),
                                         Annotation.was_cancelled.is_(False)))
    return Task.id.in_(_ann_subquery(pid, Annotation.review_status == status))


def _order(name, conds):
    """(sort column, descending). The default id order walks uq_task_inner by inner_id
    (same order as id within a project) unless a status filter makes ix_tasks_stream the
    better index. Raises ValidationError."""
    if name not in ORDERS:
        raise ValidationError(f"order must be one of {', '.join(ORDERS)}, got {name!r}",
                              code="unknown_field", extra={"fields": ["order"]})
    column, desc = ORDERS[name]
    if column == "id":
        col = Task.id if request.args.get("status") in ("labeled", "unlabeled") else Task.inner_id
    elif column == "prediction_score":
        col = func.coalesce(Task.prediction_score, MISSING_SCORE)
    else:
        col = getattr(Task, column)
    return column, col, desc


def _cursor_condition(column, col, desc, raw):
    """Keyset condition after the cursor [sort value, inner_id, id]. Raises ValidationError."""
    try:
        value, inner_id, task_id = orjson.loads(raw)
        inner_id, task_id = int(inner_id), int(task_id)
    except (orjson.JSONDecodeError, TypeError, ValueError):
        raise ValidationError("cursor is not one this API gave out") from None
    if column == "id":
        key = task_id if col is Task.id else inner_id
        return col < key if desc else col > key
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValidationError("cursor is not one this API gave out")
    return (or_(col < value, and_(col == value, Task.id < task_id)) if desc
            else or_(col > value, and_(col == value, Task.id > task_id)))


def _cursor_for(column, task):
    value = None
    if column == "total_annotations":
        value = task.total_annotations
    elif column == "prediction_score":
        value = task.prediction_score if task.prediction_score is not None else MISSING_SCORE
    return dumps_str([value, task.inner_id, task.id])


@route("/projects/<int:project_id>/dm/tasks", methods=["GET"])
def dm_tasks(project_id):
    """A page of tasks for the data manager (reviewers and managers).

    Filters: status, annotator (id|username|me), assignee, label, score_min, score_max,
    q (text in the task data), ids (comma-separated). order: id, -id, total_annotations,
    -total_annotations, prediction_score, -prediction_score. Paging: page_size (≤ 500)
    and cursor (next_cursor of the previous page). Unknown parameters → 400 naming them.
    """
    project = project_for(project_id, "reviewer")
    _reject_unknown(FILTER_PARAMS | PAGING_PARAMS)
    config = parse_config(project.label_config)
    conds = build_filters(project, config)
    filtered = len(conds) > 1
    column, col, desc = _order(request.args.get("order", "id"), conds)
    size = _page_size()
    page_conds = list(conds)
    if request.args.get("cursor"):
        page_conds.append(_cursor_condition(column, col, desc, request.args["cursor"]))
    order_by = [col.desc() if desc else col.asc()]
    if column != "id":
        order_by.append(Task.id.desc() if desc else Task.id.asc())
    tasks = db.session.execute(select(Task).where(*page_conds).order_by(*order_by).limit(size + 1))\
        .scalars().all()
    more = len(tasks) > size
    tasks = tasks[:size]
    total, capped = _total(project, conds, filtered)
    return json_response({
        "tasks": rows_for(tasks, project.id), "columns": _columns(config, tasks),
        "next_cursor": _cursor_for(column, tasks[-1]) if more and tasks else None,
        "total": total, "total_capped": capped, "project_total": project.task_count,
    })


def _page_size():
    raw = request.args.get("page_size", "")
    if raw == "":
        return DEFAULT_PAGE
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError(f"page_size must be a positive integer, got {raw!r}")
    return min(int(raw), MAX_PAGE)


def _total(project, conds, filtered):
    if not filtered:
        return project.task_count, False
    inner = select(Task.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    n = db.session.execute(select(func.count()).select_from(inner)).scalar_one()
    return min(n, COUNT_CAP), n > COUNT_CAP


def _columns(config, tasks):
    """Data fields the config binds first, then other keys seen on this page."""
    cols = list(config.data_fields)
    for task in tasks:
        for key in orjson.loads(task.data):
            if key not in cols:
                cols.append(key)
    return cols[:20]


def rows_for(tasks, project_id):
    """Task rows with their annotators and review counts, in two queries for the page."""
    ids = [t.id for t in tasks]
    people, reviews = {}, {}
    if ids:
        rows = db.session.execute(
            select(Annotation.task_id, Annotation.completed_by, User.username, Annotation.review_status,
                   Annotation.was_cancelled)
            .outerjoin(User, User.id == Annotation.completed_by)
            .where(Annotation.task_id.in_(ids)).order_by(Annotation.id)).all()
        for task_id, uid, username, review, cancelled in rows:
            seen = people.setdefault(task_id, [])
            if uid is not None and all(p["id"] != uid for p in seen):
                seen.append({"id": uid, "username": username, "skipped": bool(cancelled)})
            if review:
                counts = reviews.setdefault(task_id, {})
                counts[review] = counts.get(review, 0) + 1
    out = []
    for t in tasks:
        meta = orjson.loads(t.meta) if t.meta else {}
        out.append({
            "id": t.id, "inner_id": t.inner_id, "data": orjson.loads(t.data), "is_labeled": t.is_labeled,
            "total_annotations": t.total_annotations, "cancelled_annotations": t.cancelled_annotations,
            "total_predictions": t.total_predictions, "prediction_score": t.prediction_score,
            "annotators": people.get(t.id, []), "reviews": reviews.get(t.id, {}),
            "assignees": meta.get("assignees", []) if isinstance(meta, dict) else [],
            # Inter-annotator agreement is not computed yet; the column is kept for it.
            "agreement": None,
        })
    return out


@route("/projects/<int:project_id>/dm/actions", methods=["POST"])
def dm_action(project_id):
    """Bulk actions on selected tasks (managers):
    {"action": "delete_tasks" | "assign" | "unassign", "task_ids": [...], "users"?: [ids]}."""
    project = project_for(project_id, "manager")
    body = json_body()
    action = body.get("action")
    ids = _selected(project, body)
    if action == "delete_tasks":
        n = delete_tasks(db.session, project, ids)
        emit_event(db.session, project.id, "TASKS_DELETED", {"tasks": [{"id": i} for i in ids]})
        db.session.commit()
        return json_response({"action": action, "tasks": n})
    if action in ("assign", "unassign"):
        users = _members(project, body.get("users"))
        n = _assign(project, ids, users, action == "assign")
        db.session.commit()
        return json_response({"action": action, "tasks": n, "users": users})
    raise ValidationError(f"action must be one of delete_tasks, assign, unassign, got {action!r}")


def _selected(project, body):
    """The request's task_ids, all in this project. Raises ValidationError."""
    ids = parse_ids(body.get("task_ids") or [], "task_ids")
    if not ids:
        raise ValidationError("task_ids must list at least one task")
    found = set(db.session.execute(select(Task.id).where(Task.project_id == project.id,
                                                         Task.id.in_(ids))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(f"tasks not in this project: {missing[:20]}", extra={"missing": missing[:100]})
    return ids


def _members(project, raw):
    ids = parse_ids(raw or [], "users")
    if not ids:
        raise ValidationError("users must list at least one member")
    found = set(db.session.execute(select(Membership.user_id).where(
        Membership.project_id == project.id, Membership.user_id.in_(ids))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(f"users not members of this project: {missing}")
    return ids


def _assign(project, ids, users, add):
    """Record assignees in each task's meta ("assignees": [user ids]), as Label Studio
    keeps task-level extras in meta; the workspace offers assigned tasks first."""
    n = 0
    for task in db.session.execute(select(Task).where(Task.id.in_(ids))).scalars():
        meta = orjson.loads(task.meta) if task.meta else {}
        if not isinstance(meta, dict):
            meta = {"original_meta": meta}
        current = [u for u in meta.get("assignees", []) if isinstance(u, int)]
        new = sorted(set(current) | set(users)) if add else [u for u in current if u not in users]
        if new:
            meta["assignees"] = new
        else:
            meta.pop("assignees", None)
        task.meta = dumps_str(meta)
        task.updated_at = utcnow()
        n += 1
    if add:
        key = ASSIGNED_KEY.format(project.id)
        if db.session.get(Setting, key) is None:
            db.session.add(Setting(key=key, value="1"))
    return n


@route("/projects/<int:project_id>/dm/assigned-next", methods=["GET"])
def assigned_next(project_id):
    """The caller's first assigned task they have not annotated yet, or 404 no_assigned_task."""
    from ..errors import NotFound

    project = project_for(project_id)
    user = current_user()
    if db.session.get(Setting, ASSIGNED_KEY.format(project.id)) is None:
        raise NotFound("no tasks are assigned in this project", code="no_assigned_task")
    done = exists().where(Annotation.task_id == Task.id, Annotation.completed_by == user.id)
    task = db.session.execute(
        select(Task).where(Task.project_id == project.id, Task.is_labeled.is_(False), ~done,
                           _assigned_condition(user.id))
        .order_by(Task.id).limit(1)).scalar_one_or_none()
    if task is None:
        raise NotFound("no assigned task left for you", code="no_assigned_task")
    return json_response({"id": task.id})


@route("/projects/<int:project_id>/dm/export", methods=["POST"])
def dm_export(project_id):
    """Download the selected tasks: {"task_ids": [...], "exportType": "JSON"} (reviewers+)."""
    project = project_for(project_id, "reviewer")
    body = json_body()
    name = str(body.get("exportType", "JSON")).upper()
    if name not in WRITER_MODULES:
        raise ValidationError(f"unknown exportType {name!r}; choose one of {sorted(WRITER_MODULES)}")
    module = writer(name)
    config = parse_config(project.label_config)
    module.check(config)
    ids = _selected(project, body)
    tasks = _export_tasks(ids)
    info = {"id": project.id, "title": project.title, "label_config": project.label_config}
    filename = f"project-{project.id}-selection-{len(ids)}.{module.EXT}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return Response(stream_with_context(module.write(iter(tasks), config, info)),
                    mimetype=module.MIMETYPE, headers=headers)


def _export_tasks(ids):
    """Label Studio export dicts for the selected tasks (decoded JSON: every writer takes it)."""
    from ..models import Prediction

    tasks = db.session.execute(select(Task).where(Task.id.in_(ids)).order_by(Task.id)).scalars().all()
    anns, preds = {}, {}
    for a in db.session.execute(select(Annotation).where(Annotation.task_id.in_(ids)).order_by(Annotation.id))\
            .scalars():
        anns.setdefault(a.task_id, []).append(a)
    for p in db.session.execute(select(Prediction).where(Prediction.task_id.in_(ids)).order_by(Prediction.id))\
            .scalars():
        preds.setdefault(p.task_id, []).append(p)
    return [task_dict(t, anns.get(t.id, []), preds.get(t.id, [])) for t in tasks]
