"""RQ jobs for quality figures: one task's agreement after an annotation, or a whole project."""
import logging

from . import app_context

log = logging.getLogger(__name__)


def task_agreement(task_id):
    """Recompute a task's agreement, store it and apply the project's review rule.

    Raises ValueError for a bad id; a task deleted meanwhile is skipped.
    """
    if not isinstance(task_id, int) or isinstance(task_id, bool) or task_id < 1:
        raise ValueError(f"task id must be a positive integer, got {task_id!r}")
    from ..extensions import db, write_intent
    from ..quality.review import refresh_task

    with app_context():
        # A session of its own: with LABELART_QUEUE_SYNC=1 this runs inside the after-commit
        # hook of the request's session, which must not be used again there.
        session = db.Session()
        token = write_intent.set(True)
        try:
            value = refresh_task(session, task_id)
            session.commit()
        finally:
            write_intent.reset(token)
            session.close()
        log.info("task %s agreement %s", task_id, value)
        return value


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
