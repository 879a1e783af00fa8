"""RQ jobs for quality figures: the agreement of tasks that got annotations, or a whole project."""
import logging

from . import app_context

log = logging.getLogger(__name__)


def drain_task_agreements(batch=500):
    """Compute the agreement of every task waiting in the pending set (see quality.review).

    The "queued" flag is cleared first: a task added while this runs either is drained here
    or queues a new job, so none is left waiting. Returns how many tasks were computed.
    """
    from ..extensions import db, write_intent
    from ..queue import get_redis
    from ..quality.review import DRAIN_QUEUED_KEY, PENDING_KEY, refresh_task

    done = 0
    with app_context():
        redis = get_redis()
        redis.delete(DRAIN_QUEUED_KEY)
        while True:
            ids = sorted(int(i) for i in redis.spop(PENDING_KEY, batch) or ())
            if not ids:
                return done
            # Own session, as task_agreement: under LABELART_QUEUE_SYNC this runs inside the
            # request session's after-commit hook.
            session = db.Session()
            token = write_intent.set(True)
            try:
                for task_id in ids:
                    log.info("task %s agreement %s", task_id, refresh_task(session, task_id))
                session.commit()
                done += len(ids)
            except Exception:
                # Put them back for the next job; the error is RQ's to record.
                session.rollback()
                redis.sadd(PENDING_KEY, *ids)
                raise
            finally:
                write_intent.reset(token)
                session.close()


def refresh_project(project_id):
    """Build the project's report, store every task's agreement, apply the review rule and
    cache the report. Returns the counts of tasks updated."""
    if not isinstance(project_id, int) or isinstance(project_id, bool) or project_id < 1:
        raise ValueError(f"project id must be a positive integer, got {project_id!r}")
    from ..extensions import db
    from ..models import Project
    from ..quality import cache

    with app_context():
        project = db.session.get(Project, project_id)
        if project is None:
            log.info("quality refresh: project %s is gone", project_id)
            return None
        counts = cache.refresh(db.engine, project)
        log.info("quality refresh of project %s: %s", project_id, counts)
        return counts
