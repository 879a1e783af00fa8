"""RQ job: a large import, run from the files the request saved."""
import shutil
from pathlib import Path

import orjson

from ..extensions import db, write_intent
from ..formats.readers import read_items
from ..jsonio import dumps_str
from ..models import Job, Project, utcnow
from ..services.events import emit_event
from ..services.importer import import_items
from ..services.jobs import set_progress
from . import app_context, failures_recorded



def _items(files):
    for path, fmt in files:
        with open(path, "rb") as stream:
            yield from read_items(stream, fmt)


def run_import_job(job_id):
    """Import the job's files in one transaction; record counts or the reason it failed."""
    with app_context():
        write_intent.set(True)
        session = db.Session()
        try:
            with failures_recorded(session, job_id, "import"):
                job = session.get(Job, job_id)
                if job is None or job.status not in ("queued", "running"):
                    return
                params = orjson.loads(job.params)
                project = session.get(Project, job.project_id)
                stats = import_items(session, project, _items(params["files"]), job.user_id,
                                     progress=lambda n: set_progress(job_id, n))
                emit_event(session, project.id, "TASKS_CREATED", {"task_count": stats.task_count})
                job.status, job.progress, job.finished_at = "completed", stats.task_count, utcnow()
                job.result = dumps_str(stats.to_dict())
                session.commit()
                from ..services.ml import on_tasks_imported  # first-pass predictions when a backend is attached
                on_tasks_imported(project.id, stats.first_task_id, stats.task_count)
        finally:
            _cleanup(job_id)  # the saved upload goes whatever happened


def _cleanup(job_id):
    from flask import current_app

    shutil.rmtree(Path(current_app.config["DATA_DIR"]) / "imports" / str(job_id), ignore_errors=True)
