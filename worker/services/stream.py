"""The labeling stream: which task a person gets next.

Rules: never a task the caller already annotated or skipped, never beyond the project's
overlap counting tasks others hold right now, and a short lock so concurrent annotators
don't pile onto one task. Callers run this inside a write transaction (SQLite: BEGIN
IMMEDIATE; MariaDB: the project row is locked FOR UPDATE), so picks are serialised per
project and the overlap holds under concurrency.
"""
import random
import time
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..models import Annotation, Project, Task, TaskLock, utcnow

# The statements are built once with bind parameters: on this hot path building SQL
# expressions per call cost more than running them.
_PROJECT, _USER, _NOW = bindparam("project_id"), bindparam("user_id"), bindparam("now")
_NOT_DONE = ~exists().where(Annotation.task_id == Task.id, Annotation.completed_by == _USER)
_HELD_BY_OTHERS = (select(func.count()).select_from(TaskLock)
                   .where(TaskLock.task_id == Task.id, TaskLock.user_id != _USER, TaskLock.expires_at > _NOW)
                   .scalar_subquery())
# Gold tasks are only served by the gold draw below, never as ordinary work.
_ELIGIBLE = and_(Task.project_id == _PROJECT, Task.is_labeled.is_(False), Task.is_gold.is_(False), _NOT_DONE,
                 Task.total_annotations + _HELD_BY_OTHERS < bindparam("overlap"))
# Tasks come back as plain rows (attribute access like the model, no ORM identity map):
# the stream only reads them, and ORM loading cost more than the queries.
_TASK = Task.__table__
_HELD = (select(_TASK).join(TaskLock, TaskLock.task_id == Task.id)
         .where(TaskLock.user_id == _USER, TaskLock.project_id == _PROJECT, TaskLock.expires_at > _NOW,
                or_(Task.is_labeled.is_(False), Task.is_gold.is_(True)), _NOT_DONE).limit(1))
# Every annotator answers every gold task once, whatever the overlap: that is what makes
# their error rates comparable.
_GOLD = and_(Task.project_id == _PROJECT, Task.is_gold.is_(True), _NOT_DONE)


class _json_scalar(FunctionElement):
    """A scalar from a JSON text column: json_extract on SQLite; JSON_VALUE on MariaDB, whose
    JSON_EXTRACT result compares as JSON and never equals a bound string."""

    inherit_cache = True
    name = "json_scalar"


@compiles(_json_scalar)
def _json_scalar_sqlite(element, compiler, **kw):
    return f"json_extract({compiler.process(element.clauses, **kw)})"


@compiles(_json_scalar, "mysql")
@compiles(_json_scalar, "mariadb")
def _json_scalar_mysql(element, compiler, **kw):
    return f"JSON_VALUE({compiler.process(element.clauses, **kw)})"


# The task's group under the project's balance field (a JSON path bound per call).
_GROUP = _json_scalar(Task.meta, bindparam("path"))
_PICK = {
    "sequential": select(_TASK).where(_ELIGIBLE).order_by(Task.id).limit(1),
    "uncertainty": select(_TASK).where(_ELIGIBLE)
    .order_by(Task.prediction_score.is_(None), Task.prediction_score, Task.id).limit(1),
    "random_from": select(_TASK).where(_ELIGIBLE, Task.inner_id >= bindparam("pivot")).order_by(Task.inner_id).limit(1),
    "random_before": select(_TASK).where(_ELIGIBLE, Task.inner_id < bindparam("pivot")).order_by(Task.inner_id).limit(1),
    "gold_from": select(_TASK).where(_GOLD, Task.inner_id >= bindparam("pivot")).order_by(Task.inner_id).limit(1),
    "gold_before": select(_TASK).where(_GOLD, Task.inner_id < bindparam("pivot")).order_by(Task.inner_id).limit(1),
    "group": select(_TASK).where(_ELIGIBLE, _GROUP == bindparam("group")).order_by(Task.id).limit(1),
}
# Labeled tasks per group, for balance-by-field sampling (cached briefly, see _groups).
_GROUP_COUNTS = (select(_GROUP, func.sum(case((Task.is_labeled.is_(True), 1), else_=0)),
                        func.sum(case((Task.is_labeled.is_(False), 1), else_=0)))
                 .where(Task.project_id == _PROJECT, Task.is_gold.is_(False)).group_by(_GROUP))
_locks = TaskLock.__table__
_CLEAR_LOCKS = delete(_locks).where(_locks.c.project_id == _PROJECT,
                                    or_(_locks.c.user_id == _USER, _locks.c.expires_at <= _NOW))
_ADD_LOCK = insert(_locks).values({c: bindparam(c) for c in ("task_id", "user_id", "project_id", "expires_at")})
_RELEASE = delete(_locks).where(_locks.c.task_id == bindparam("task_id"), _locks.c.user_id == _USER)
_LOCK_PROJECT = select(Project.id).where(Project.id == _PROJECT).with_for_update()


def serialise(session, project_id):
    """Take the project's write lock before touching its counters.

    SQLite write transactions already start with BEGIN IMMEDIATE. On MariaDB, inserting a
    child row takes a shared lock on the project row (the foreign key), and a later counter
    UPDATE then deadlocks against another writer doing the same; locking the row first
    turns that into a short queue.
    """
    if session.get_bind().dialect.name != "sqlite":
        session.execute(_LOCK_PROJECT, {"project_id": project_id})


def next_task(session, project, user_id, lock_seconds):
    """Reserve and return the next task (a row) for ``user_id``, or None when nothing is left.

    ``session`` is an ORM session or, on the hot path, a ``rawsql.RawSession``: only
    ``execute(...).first()/.all()`` and ``get_bind()`` are used here."""
    serialise(session, project.id)
    now = utcnow()
    params = {"project_id": project.id, "user_id": user_id, "now": now, "overlap": project.overlap}
    task = session.execute(_HELD, params).first() or _pick(session, project, params)
    if task is not None:
        session.execute(_CLEAR_LOCKS, params)
        session.execute(_ADD_LOCK, {"task_id": task.id, "user_id": user_id, "project_id": project.id,
                                    "expires_at": now + timedelta(seconds=lock_seconds)})
    return task


def _pick(session, project, params):
    if project.gold_rate and random.random() < project.gold_rate:
        task = _pick_gold(session, project, params)
        if task is not None:
            return task
    if project.balance_field:
        task = _pick_balanced(session, project, params)
        if task is not None:
            return task
    mode = project.sampling_mode
    if mode == "random" and project.next_inner_id > 1:
        # Seek from a random inner_id and wrap: uniform enough, and O(log n) on the index
        # where ORDER BY RANDOM() would sort the whole project.
        params = {**params, "pivot": random.randint(1, project.next_inner_id)}
        return (session.execute(_PICK["random_from"], params).first()
                or session.execute(_PICK["random_before"], params).first())
    query = _PICK["uncertainty"] if mode == "uncertainty" else _PICK["sequential"]
    return session.execute(query, params).first()


def _pick_gold(session, project, params):
    # A random start, as for uniform sampling, so annotators do not all meet the same gold
    # task first and cannot learn which one comes next.
    params = {**params, "pivot": random.randint(1, max(1, project.next_inner_id))}
    return (session.execute(_PICK["gold_from"], params).first()
            or session.execute(_PICK["gold_before"], params).first())


# Balance-by-field group counts are cached per project this long: counting groups scans the
# project's tasks, which the hot path cannot afford on every pick. Being a few seconds stale
# only makes the evening-out a little less exact; the overlap rule is still enforced by _ELIGIBLE.
GROUP_CACHE_SECONDS = 10
_group_cache = {}


def _groups(session, project, path):
    """[[labeled, unlabeled, group]] for the project's balance field, fewest labeled first."""
    # Keyed by database too: test runs and tools may open several with the same project ids.
    key = (str(session.get_bind().url), project.id, path)
    hit = _group_cache.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > GROUP_CACHE_SECONDS:
        rows = session.execute(_GROUP_COUNTS, {"project_id": project.id, "path": path}).all()
        hit = (now, [[int(done or 0), int(left or 0), g] for g, done, left in rows if g is not None])
        _group_cache[key] = hit
    return hit[1]


def _pick_balanced(session, project, params):
    """The first eligible task of the group with the fewest labeled tasks that still has work."""
    path = '$."' + project.balance_field.replace('"', '') + '"'
    groups = _groups(session, project, path)
    for row in sorted(groups, key=lambda r: (r[0], str(r[2]))):
        if row[1] <= 0:
            continue
        task = session.execute(_PICK["group"], {**params, "path": path, "group": row[2]}).first()
        if task is not None:
            # Count the pick at once so the next callers move on to the next-smallest group
            # before the cache is rebuilt.
            row[0] += 1.0 / max(1, project.overlap)
            return task
        row[1] = 0
    return None


def release(session, task_id, user_id):
    session.execute(_RELEASE, {"task_id": task_id, "user_id": user_id})


def refresh_counters(session, task_id, overlap):
    """Recount a task's annotation counters from its rows (after update/delete)."""
    # SUM(CASE ...) rather than COUNT(*) FILTER: MariaDB has no FILTER clause.
    done = session.execute(select(
        func.coalesce(func.sum(case((Annotation.was_cancelled.is_(False), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Annotation.was_cancelled.is_(True), 1), else_=0)), 0),
    ).where(Annotation.task_id == task_id)).one()
    done = (int(done[0]), int(done[1]))
    before = session.execute(select(Task.total_annotations, Task.project_id).where(Task.id == task_id)).one()
    session.execute(update(Task).where(Task.id == task_id).values(
        total_annotations=done[0], cancelled_annotations=done[1], is_labeled=done[0] >= overlap,
        updated_at=utcnow()))
    if done[0] != before[0]:
        session.execute(update(Project).where(Project.id == before[1]).values(
            total_annotations=Project.total_annotations + (done[0] - before[0])))
