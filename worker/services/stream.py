"""The labeling stream: which task a person gets next.

Rules: never a task the caller already annotated or skipped, never beyond the project's
overlap counting tasks others hold right now, and a short lock so concurrent annotators
don't pile onto one task. Callers run this inside a write transaction (SQLite: BEGIN
IMMEDIATE; MariaDB: the project row is locked FOR UPDATE), so picks are serialised per
project and the overlap holds under concurrency.
"""
import random
from datetime import timedelta

from sqlalchemy import and_, case, delete, exists, func, select, update

from ..models import Annotation, Project, Task, TaskLock, utcnow


def _not_done_by(user_id):
    return ~exists().where(Annotation.task_id == Task.id, Annotation.completed_by == user_id)


def _held_by_others(user_id, now):
    return (select(func.count()).select_from(TaskLock)
            .where(TaskLock.task_id == Task.id, TaskLock.user_id != user_id, TaskLock.expires_at > now)
            .scalar_subquery())


def serialise(session, project_id):
    """Take the project's write lock before touching its counters.

    SQLite write transactions already start with BEGIN IMMEDIATE. On MariaDB, inserting a
    child row takes a shared lock on the project row (the foreign key), and a later counter
    UPDATE then deadlocks against another writer doing the same; locking the row first
    turns that into a short queue.
    """
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def next_task(session, project, user_id, lock_seconds):
    """Reserve and return the next Task for ``user_id``, or None when nothing is left."""
    serialise(session, project.id)
    now = utcnow()
    held = session.execute(
        select(Task).join(TaskLock, TaskLock.task_id == Task.id)
        .where(TaskLock.user_id == user_id, TaskLock.project_id == project.id, TaskLock.expires_at > now,
               Task.is_labeled.is_(False), _not_done_by(user_id)).limit(1)
    ).scalar_one_or_none()
    task = held or _pick(session, project, user_id, now)
    if task is not None:
        _lock(session, project.id, task.id, user_id, now + timedelta(seconds=lock_seconds), now)
    return task


def _eligible(project, user_id, now):
    return and_(Task.project_id == project.id, Task.is_labeled.is_(False), _not_done_by(user_id),
                Task.total_annotations + _held_by_others(user_id, now) < project.overlap)


def _pick(session, project, user_id, now):
    cond = _eligible(project, user_id, now)
    mode = project.sampling_mode
    if mode == "uncertainty":
        order = (Task.prediction_score.is_(None), Task.prediction_score, Task.id)
        return session.execute(select(Task).where(cond).order_by(*order).limit(1)).scalar_one_or_none()
    if mode == "random" and project.next_inner_id > 1:
        # Seek from a random inner_id and wrap: uniform enough, and O(log n) on the index
        # where ORDER BY RANDOM() would sort the whole project.
        pivot = random.randint(1, project.next_inner_id)
        for extra in (Task.inner_id >= pivot, Task.inner_id < pivot):
            task = session.execute(select(Task).where(cond, extra).order_by(Task.inner_id).limit(1))\
                .scalar_one_or_none()
            if task is not None:
                return task
        return None
    return session.execute(select(Task).where(cond).order_by(Task.id).limit(1)).scalar_one_or_none()


def _lock(session, project_id, task_id, user_id, expires_at, now):
    session.execute(delete(TaskLock).where(
        TaskLock.project_id == project_id,
        ((TaskLock.user_id == user_id) | (TaskLock.expires_at <= now))))
    session.add(TaskLock(task_id=task_id, user_id=user_id, project_id=project_id, expires_at=expires_at))
    session.flush()


def release(session, task_id, user_id):
    session.execute(delete(TaskLock).where(TaskLock.task_id == task_id, TaskLock.user_id == user_id))


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
