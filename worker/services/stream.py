"""The labeling stream: which task a person gets next.

Rules: never a task the caller already annotated or skipped, never beyond the project's
overlap counting tasks others hold right now, and a short lock so concurrent annotators
don't pile onto one task. Callers run this inside a write transaction (SQLite: BEGIN
IMMEDIATE; MariaDB: the project row is locked FOR UPDATE), so picks are serialised per
project and the overlap holds under concurrency.
"""
import random
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, delete, exists, func, insert, or_, select, update

from ..models import Annotation, Project, Task, TaskLock, utcnow

# The statements are built once with bind parameters: on this hot path building SQL
# expressions per call cost more than running them.
_PROJECT, _USER, _NOW = bindparam("project_id"), bindparam("user_id"), bindparam("now")
_NOT_DONE = ~exists().where(Annotation.task_id == Task.id, Annotation.completed_by == _USER)
_HELD_BY_OTHERS = (select(func.count()).select_from(TaskLock)
                   .where(TaskLock.task_id == Task.id, TaskLock.user_id != _USER, TaskLock.expires_at > _NOW)
                   .scalar_subquery())
_ELIGIBLE = and_(Task.project_id == _PROJECT, Task.is_labeled.is_(False), _NOT_DONE,
                 Task.total_annotations + _HELD_BY_OTHERS < bindparam("overlap"))
_HELD = (select(Task).join(TaskLock, TaskLock.task_id == Task.id)
         .where(TaskLock.user_id == _USER, TaskLock.project_id == _PROJECT, TaskLock.expires_at > _NOW,
                Task.is_labeled.is_(False), _NOT_DONE).limit(1))
_PICK = {
    "sequential": select(Task).where(_ELIGIBLE).order_by(Task.id).limit(1),
    "uncertainty": select(Task).where(_ELIGIBLE)
    .order_by(Task.prediction_score.is_(None), Task.prediction_score, Task.id).limit(1),
    "random_from": select(Task).where(_ELIGIBLE, Task.inner_id >= bindparam("pivot")).order_by(Task.inner_id).limit(1),
    "random_before": select(Task).where(_ELIGIBLE, Task.inner_id < bindparam("pivot")).order_by(Task.inner_id).limit(1),
}
_locks = TaskLock.__table__
_CLEAR_LOCKS = delete(_locks).where(_locks.c.project_id == _PROJECT,
                                    or_(_locks.c.user_id == _USER, _locks.c.expires_at <= _NOW))
_ADD_LOCK = insert(_locks)
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
    """Reserve and return the next Task for ``user_id``, or None when nothing is left."""
    serialise(session, project.id)
    now = utcnow()
    params = {"project_id": project.id, "user_id": user_id, "now": now, "overlap": project.overlap}
    task = session.execute(_HELD, params).scalar_one_or_none() or _pick(session, project, params)
    if task is not None:
        session.execute(_CLEAR_LOCKS, params)
        session.execute(_ADD_LOCK, {"task_id": task.id, "user_id": user_id, "project_id": project.id,
                                    "expires_at": now + timedelta(seconds=lock_seconds)})
    return task


def _pick(session, project, params):
    mode = project.sampling_mode
    if mode == "random" and project.next_inner_id > 1:
        # Seek from a random inner_id and wrap: uniform enough, and O(log n) on the index
        # where ORDER BY RANDOM() would sort the whole project.
        params = {**params, "pivot": random.randint(1, project.next_inner_id)}
        return (session.execute(_PICK["random_from"], params).scalar_one_or_none()
                or session.execute(_PICK["random_before"], params).scalar_one_or_none())
    query = _PICK["uncertainty"] if mode == "uncertainty" else _PICK["sequential"]
    return session.execute(query, params).scalar_one_or_none()


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
