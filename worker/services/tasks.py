"""Fetching tasks with membership checks, and listing them a page at a time."""
from sqlalchemy import and_, bindparam, exists, func, or_, select, update

from ..access import check_role, current_user
from ..models import Annotation, MLBackend, Membership, Prediction, Project, Task, Webhook


_TASK_PROJECT_ROLE = (select(Task, Project, Membership.role)
                      .join(Project, Project.id == Task.project_id)
                      .outerjoin(Membership, and_(Membership.project_id == Task.project_id,
                                                  Membership.user_id == bindparam("user_id")))
                      .where(Task.id == bindparam("task_id")))
# The submit path also asks, in the same query, whether anything listens for new
# annotations (a webhook of the project or an organisation-wide one; a backend training
# every N annotations), so the common case pays for no further look-ups.
_HAS_HOOKS = exists().where(Webhook.is_active.is_(True),
                            or_(Webhook.project_id == Task.project_id, Webhook.project_id.is_(None)))
_TRAINS = exists().where(MLBackend.project_id == Task.project_id, MLBackend.train_every > 0)
_TASK_PROJECT_ROLE_LISTENERS = _TASK_PROJECT_ROLE.add_columns(_HAS_HOOKS.label("has_hooks"),
                                                              _TRAINS.label("trains"))


class Listeners:
    """What reacts to a new annotation in a project: webhooks, online training."""

    __slots__ = ("webhooks", "training")

    def __init__(self, webhooks=True, training=True):
        self.webhooks, self.training = bool(webhooks), bool(training)


def task_for(session, task_id, min_role="annotator", listeners=False):
    """(project, task) for a task the caller may see, in one query; with ``listeners``,
    (project, task, Listeners).

    Raises NotFound (404) for missing tasks and non-members, Forbidden (403) for low roles.
    """
    user = current_user()
    query = _TASK_PROJECT_ROLE_LISTENERS if listeners else _TASK_PROJECT_ROLE
    row = session.execute(query, {"user_id": user.id, "task_id": task_id}).first()
    project = check_role(user, row[1] if row else None, row[2] if row else None, min_role, f"task {task_id}")
    if listeners:
        return project, row[0], Listeners(row[3], row[4])
    return project, row[0]


def page_of_tasks(session, project, page, size, after=None):
    """One page of a project's tasks in id order.

    ``after`` (a task id) seeks by keyset. Page numbers seek by inner_id while the project
    has never lost a task (inner ids are dense then), so the last page of a million tasks
    costs the same as the first; after deletions they fall back to OFFSET.
    """
    q = select(Task).where(Task.project_id == project.id)
    if after is not None:
        q = q.where(Task.id > after).order_by(Task.id)
    elif project.deleted_task_count == 0:
        start = (page - 1) * size + 1
        q = q.where(Task.inner_id >= start, Task.inner_id < start + size).order_by(Task.inner_id)
    else:
        q = q.order_by(Task.id).offset((page - 1) * size)
    return session.execute(q.limit(size)).scalars().all()


def related(session, task_ids):
    """Annotations and predictions of these tasks, grouped by task id."""
    anns, preds = {}, {}
    if task_ids:
        for a in session.execute(select(Annotation).where(Annotation.task_id.in_(task_ids))
                                 .order_by(Annotation.id)).scalars():
            anns.setdefault(a.task_id, []).append(a)
        for p in session.execute(select(Prediction).where(Prediction.task_id.in_(task_ids))
                                 .order_by(Prediction.id)).scalars():
            preds.setdefault(p.task_id, []).append(p)
    return anns, preds


def recount_project(session, project_id):
    """Recompute a project's counters from its tasks (after bulk deletes)."""
    count, ann, pred = session.execute(select(func.count(), func.coalesce(func.sum(Task.total_annotations), 0),
                                              func.coalesce(func.sum(Task.total_predictions), 0))
                                       .where(Task.project_id == project_id)).one()
    session.execute(update(Project).where(Project.id == project_id).values(
        task_count=count, total_annotations=ann, total_predictions=pred))


def delete_tasks(session, project, task_ids=None):
    """Delete some or all tasks of a project, keeping the project's counters true."""
    from sqlalchemy import delete

    q = delete(Task).where(Task.project_id == project.id)
    if task_ids is not None:
        q = q.where(Task.id.in_(task_ids))
    n = session.execute(q).rowcount
    session.execute(update(Project).where(Project.id == project.id).values(
        deleted_task_count=Project.deleted_task_count + n))
    recount_project(session, project.id)
    return n
