"""Cached task agreement and the project's review rule.

When a task gets its second (or later) annotation, ``on_annotation_created`` notes the task on
the session; once the annotation commits, the task id joins a Redis set of pending tasks and one
RQ job (``worker.jobs.quality.drain_task_agreements``), queued only when none is waiting, computes
each pending task's agreement, stores it on ``tasks.agreement`` and applies the rule. (A job per
task cost a third of a millisecond of RQ bookkeeping on every other submit.) Nothing is
computed on the submit path itself, and if Redis is down the annotation is saved all the same
(``labelart report --refresh`` or the dashboard's refresh catch up later).

The rule, with ``review_threshold`` > 0:
  agreement < threshold   the task's annotations go to review: automatic acceptances are taken
                          back (review_status NULL), so the review queue shows them
  agreement >= threshold  its unreviewed annotations are accepted automatically
                          (review_status "accepted", reviewed_by NULL), so reviewers spend their
                          time on disputed tasks
A reviewer's own verdict (reviewed_by set) is never changed by the rule.
"""
import logging

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from ..models import Annotation, Project, Task, utcnow
from .agreement import ann_score
from .extract import extract

log = logging.getLogger(__name__)

DRAIN_JOB = "worker.jobs.quality.drain_task_agreements"
_PENDING = "labelart_quality_tasks"
#: Redis set of task ids waiting for their agreement, and the "a drain job is queued" flag.
PENDING_KEY = "labelart:quality:pending-tasks"
DRAIN_QUEUED_KEY = "labelart:quality:drain-queued"
#: The flag expires so that a lost job (worker gone, queue flushed) cannot stall the set forever.
DRAIN_FLAG_SECONDS = 300

_anns = Annotation.__table__
_SEND_BACK = (update(_anns).where(_anns.c.task_id == bindparam("b_task"), _anns.c.reviewed_by.is_(None),
                                  _anns.c.review_status == "accepted")
              .values(review_status=None, reviewed_at=None, review_comment=bindparam("b_comment")))
_AUTO_ACCEPT = (update(_anns).where(_anns.c.task_id == bindparam("b_task"), _anns.c.review_status.is_(None),
                                    _anns.c.was_cancelled.is_(False))
                .values(review_status="accepted", reviewed_at=bindparam("b_now"),
                        review_comment=bindparam("b_comment")))
_SET_AGREEMENT = update(Task.__table__).where(Task.__table__.c.id == bindparam("b_task")).values(
    agreement=bindparam("b_agreement"))


def on_annotation_created(session, project, task, cancelled=False):
    """Remember ``task`` for an agreement job after commit, when it now has two answers or more.

    ``task.total_annotations`` is the count before this annotation (the row object is not
    refreshed on the hot path). Never raises: saving the annotation matters more.
    """
    try:
        if not cancelled and (task.total_annotations or 0) + 1 >= 2:
            session.info.setdefault(_PENDING, set()).add(task.id)
    except Exception:  # noqa: BLE001 - the submit must not fail for a quality figure
        log.exception("quality hook failed for task %s", getattr(task, "id", None))


def _queue_after_commit(session):
    pending = session.info.pop(_PENDING, None)
    if pending:
        queue_agreements(pending)


def queue_agreements(task_ids):
    """Add committed tasks to the pending set; queue a drain job unless one is waiting.
    Never raises: with Redis down a refresh catches up later."""
    pending = sorted(task_ids)
    from redis.exceptions import RedisError

    from ..queue import get_redis, try_enqueue

    try:
        pipe = get_redis().pipeline(transaction=False)  # one round trip
        pipe.sadd(PENDING_KEY, *pending)
        pipe.set(DRAIN_QUEUED_KEY, 1, nx=True, ex=DRAIN_FLAG_SECONDS)
        first = pipe.execute()[1]
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable, agreement of tasks %s left for a refresh: %s", pending, exc)
        return
    if first:
        try_enqueue("default", DRAIN_JOB)


def _drop_after_rollback(session):
    session.info.pop(_PENDING, None)


event.listen(Session, "after_commit", _queue_after_commit)
event.listen(Session, "after_rollback", _drop_after_rollback)


def task_agreement(session, task_id):
    """Mean pairwise agreement of a task's completed annotations, or None below two."""
    rows = session.execute(select(Annotation.result).where(
        Annotation.task_id == task_id, Annotation.was_cancelled.is_(False)).order_by(Annotation.id)).scalars().all()
    import orjson

    units = [extract(orjson.loads(r)) for r in rows]
    if len(units) < 2:
        return None
    scores = [ann_score(units[i], units[j]) for i in range(len(units)) for j in range(i + 1, len(units))]
    return sum(scores) / len(scores)


def apply_rule(session, task_id, agreement, threshold):
    """Store ``agreement`` on the task and apply the review rule; returns "review", "accepted" or None."""
    session.execute(_SET_AGREEMENT, {"b_task": task_id, "b_agreement": agreement})
    if not threshold or agreement is None:
        return None
    if agreement < threshold:
        session.execute(_SEND_BACK, {"b_task": task_id, "b_comment":
                                     f"agreement {agreement:.2f} is below the review threshold {threshold:.2f}"})
        return "review"
    session.execute(_AUTO_ACCEPT, {"b_task": task_id, "b_now": utcnow(), "b_comment":
                                   f"accepted automatically: agreement {agreement:.2f} ≥ {threshold:.2f}"})
    return "accepted"


def refresh_task(session, task_id):
    """Recompute one task's agreement and apply its project's rule. Returns the agreement."""
    row = session.execute(select(Project.review_threshold).join(Task, Task.project_id == Project.id)
                          .where(Task.id == task_id)).first()
    if row is None:
        return None
    value = task_agreement(session, task_id)
    apply_rule(session, task_id, value, row[0])
    return value


def refresh_project(session, task_agreements, threshold, chunk=2000):
    """Store many tasks' agreement (``{task_id: value}`` from a report pass) and apply the rule.

    Writes in chunks with executemany so a 100,000-task project is a few hundred statements.
    Returns {"tasks": n, "review": n, "accepted": n}.
    """
    items = sorted(task_agreements.items())
    counts = {"tasks": len(items), "review": 0, "accepted": 0}
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        session.execute(_SET_AGREEMENT, [{"b_task": t, "b_agreement": v} for t, v in part])
        if threshold:
            low = [{"b_task": t, "b_comment": f"agreement {v:.2f} is below the review threshold {threshold:.2f}"}
                   for t, v in part if v < threshold]
            high = [{"b_task": t, "b_now": utcnow(),
                     "b_comment": f"accepted automatically: agreement {v:.2f} ≥ {threshold:.2f}"}
                    for t, v in part if v >= threshold]
            if low:
                session.execute(_SEND_BACK, low)
            if high:
                session.execute(_AUTO_ACCEPT, high)
            counts["review"] += len(low)
            counts["accepted"] += len(high)
    return counts
