"""RQ job: write an export file under DATA_DIR/exports, reporting progress."""
import logging
import os
from pathlib import Path

import orjson
from sqlalchemy import update

from ..errors import APIError
from ..extensions import db
from ..formats import writer
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..models import Job, Project, utcnow
from ..services.exporter import iter_tasks
from ..services.jobs import set_progress
from . import app_context, mark_failed

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1000


def _counting(tasks, job_id):
    n = 0
    for n, task in enumerate(tasks, start=1):
        if n % PROGRESS_EVERY == 0:
            set_progress(job_id, n)
        yield task
    set_progress(job_id, n)


def run_export_job(job_id):
    """Stream the export into a temporary file, then rename it into place."""
    from flask import current_app

    with app_context():
        session = db.Session()
        try:
            job = session.get(Job, job_id)
            if job is None or job.status != "queued":
                return
            params = orjson.loads(job.params)
            project = session.get(Project, job.project_id)
            module = writer(params["exportType"])
            config = parse_config(project.label_config)
            info = {"id": project.id, "title": project.title, "label_config": project.label_config}
            job.status = "running"
            session.commit()
            folder = Path(current_app.config["DATA_DIR"]).resolve() / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"project-{project.id}-export-{job_id}.{module.EXT}"
            tmp = final.with_suffix(".part")
            counter = _Counter()
            tasks = _counting(counter.wrap(iter_tasks(db.engine, project.id,
                                                      not params.get("download_all_tasks"),
                                                      raw=getattr(module, "RAW", False))), job_id)
            with open(tmp, "wb") as out:
                for piece in module.write(tasks, config, info):
                    out.write(piece)
            os.replace(tmp, final)
            session.execute(update(Job).where(Job.id == job_id).values(
                status="completed", file_path=str(final), progress=counter.n, total=counter.n,
                result=dumps_str({"task_count": counter.n, "bytes": final.stat().st_size}),
                finished_at=utcnow()))
            session.commit()
        except APIError as exc:
            session.rollback()
            mark_failed(session, job_id, exc.detail)
        except Exception as exc:  # the worker boundary: record, log with context, re-raise
            session.rollback()
            log.exception("export job %s failed", job_id)
            mark_failed(session, job_id, f"internal error: {type(exc).__name__}")
            raise
        finally:
            session.close()


class _Counter:
    def __init__(self):
        self.n = 0

    def wrap(self, it):
        for item in it:
            self.n += 1
            yield item

