"""RQ job functions. Each takes ids, opens its own app context, and records its outcome.

Workers are started by ``labelart worker`` (Supervisor runs it). Only this boundary
catches every exception, and it logs with the job's context.
"""
import contextlib
import logging

_APP = None


def get_app():
    """One app per worker process, built from the environment."""
    global _APP
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _APP is None:
        from .. import create_app

        _APP = create_app()
    return _APP


@contextlib.contextmanager
def app_context():
    from flask import has_app_context

    if has_app_context():
        yield get_app()
        return
    app = get_app()
    with app.app_context():
        yield app


def mark_failed(session, job_id, detail):
    """Record a background job's failure (after the caller rolled its work back)."""
    from sqlalchemy import update

    from ..models import Job, utcnow

    session.execute(update(Job).where(Job.id == job_id).values(status="failed", error=detail,
                                                               finished_at=utcnow()))
    session.commit()


@contextlib.contextmanager
def failures_recorded(session, job_id, what):
    """The worker boundary for a job row: a user-facing error (APIError) marks the job failed
    with its message; anything else is logged with context, marked, and re-raised so RQ sees it.
    The session is closed either way."""
    from ..errors import APIError

    try:
        yield
    except APIError as exc:
        session.rollback()
        mark_failed(session, job_id, exc.detail)
    except Exception as exc:
        session.rollback()
        logging.getLogger(__name__).exception("%s job %s failed", what, job_id)
        mark_failed(session, job_id, f"internal error: {type(exc).__name__}")
        raise
    finally:
        session.close()
