"""RQ job: write an export file under DATA_DIR/exports, reporting progress."""
import os
from pathlib import Path

import orjson
from sqlalchemy import update

from ..extensions import db
from ..formats import writer
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..models import Job, Project, utcnow
from ..services.exporter import iter_tasks
from ..services.jobs import set_progress
from . import app_context, failures_recorded

PROGRESS_EVERY = 1000


def _counting(tasks, job_id, counted):
    """Pass tasks through, publishing progress every PROGRESS_EVERY and the total in ``counted``."""
    for task in tasks:
        counted["n"] += 1
        if counted["n"] % PROGRESS_EVERY == 0:
            set_progress(job_id, counted["n"])
        yield task
    set_progress(job_id, counted["n"])


def run_export_job(job_id):
    """Stream the export into a temporary file, then rename it into place."""
    from flask import current_app

    with app_context():
        session = db.Session()
        with failures_recorded(session, job_id, "export"):
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
            counted = {"n": 0}
            tasks = _counting(iter_tasks(db.engine, project.id, not params.get("download_all_tasks"),
                                         raw=getattr(module, "RAW", False)), job_id, counted)
            with open(tmp, "wb") as out:
                for piece in module.write(tasks, config, info):
                    out.write(piece)
            os.replace(tmp, final)
            session.execute(update(Job).where(Job.id == job_id).values(
                status="completed", file_path=str(final), progress=counted["n"], total=counted["n"],
                result=dumps_str({"task_count": counted["n"], "bytes": final.stat().st_size}),
                finished_at=utcnow()))
            session.commit()
