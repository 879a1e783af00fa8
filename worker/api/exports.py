"""Exports: streamed downloads (Label Studio's /export) and background export files (/exports)."""
import time
from pathlib import Path

from flask import Response, current_app, send_file, stream_with_context
from sqlalchemy import select

from ..access import current_user, project_for
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..formats import WRITER_MODULES, writer
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..models import Job
from ..queue import enqueue
from ..services.exporter import iter_tasks
from ..services.jobs import job_dict
from . import route
from .util import bool_arg, json_body, json_response
from flask import request

EXPORT_JOB = "worker.jobs.exports.run_export_job"


def _writer_for(name, project):
    """The writer module for ``name`` after checking the project suits it. Raises ValidationError."""
    try:
        module = writer(name)
    except KeyError:
        raise ValidationError(f"unknown exportType {name!r}; choose one of {sorted(WRITER_MODULES)}") from None
    module.check(parse_config(project.label_config))
    return module


def project_info(project):
    return {"id": project.id, "title": project.title, "label_config": project.label_config}


def filename_for(project, module):
    return f"project-{project.id}-at-{time.strftime('%Y-%m-%d-%H-%M')}.{module.EXT}"


@route("/projects/<int:project_id>/export", methods=["GET"])
def export_stream(project_id):
    """Download an export, streamed as it is produced.

    ?exportType=JSON|JSON_MIN|CSV|TSV|COCO|YOLO|VOC|CONLL2003|JSON_CONSENSUS, or for music
    JAMS|MIDI|AUDACITY|SONIC_VISUALISER|SONIC_VISUALISER_SVL (default JSON);
    only annotated tasks unless ?download_all_tasks=true.
    """
    project = project_for(project_id, "reviewer")
    module = _writer_for(request.args.get("exportType", "JSON"), project)
    only_annotated = not bool_arg("download_all_tasks")
    engine, info = db.engine, project_info(project)
    config = parse_config(project.label_config)
    raw = getattr(module, "RAW", False)
    body = module.write(iter_tasks(engine, project.id, only_annotated, raw=raw), config, info)
    headers = {"Content-Disposition": f'attachment; filename="{filename_for(project, module)}"',
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    db.session.close()  # the stream reads on its own connection; free this one now
    return Response(stream_with_context(body), mimetype=module.MIMETYPE, headers=headers)


@route("/projects/<int:project_id>/export/formats", methods=["GET"])
def export_formats(project_id):
    """The export formats and whether this project's config allows each."""
    project = project_for(project_id)
    config = parse_config(project.label_config)
    out = []
    for name in WRITER_MODULES:
        try:
            writer(name).check(config)
            out.append({"name": name, "title": name, "disabled": False})
        except ValidationError as exc:
            out.append({"name": name, "title": name, "disabled": True, "reason": exc.detail})
    return json_response(out)


@route("/projects/<int:project_id>/exports", methods=["POST"])
def create_export(project_id):
    """Start a background export that writes a file: {"exportType", "download_all_tasks"?}."""
    project = project_for(project_id, "reviewer")
    body = json_body()
    name = str(body.get("exportType", "JSON")).upper()
    _writer_for(name, project)
    job = Job(kind="export", project_id=project.id, user_id=current_user().id, status="queued",
              params=dumps_str({"exportType": name, "download_all_tasks": bool(body.get("download_all_tasks"))}),
              total=project.task_count)
    db.session.add(job)
    db.session.commit()
    enqueue("exports", EXPORT_JOB, job.id, job_timeout=6 * 3600)
    return json_response(_export_dict(job), 201)


def _export_dict(job):
    out = job_dict(job)
    out["download_url"] = f"/api/projects/{job.project_id}/exports/{job.id}/download"
    return out


def _job_for(project_id, job_id):
    project_for(project_id, "reviewer")
    job = db.session.get(Job, job_id)
    if job is None or job.project_id != project_id or job.kind != "export":
        raise NotFound(f"export {job_id} not found")
    return job


@route("/projects/<int:project_id>/exports", methods=["GET"])
def list_exports(project_id):
    """Background exports of a project, newest first."""
    project_for(project_id, "reviewer")
    jobs = db.session.execute(select(Job).where(Job.project_id == project_id, Job.kind == "export")
                              .order_by(Job.id.desc()).limit(100)).scalars()
    return json_response([_export_dict(j) for j in jobs])


@route("/projects/<int:project_id>/exports/<int:job_id>", methods=["GET"])
def get_export(project_id, job_id):
    """One background export: status and progress (tasks written)."""
    return json_response(_export_dict(_job_for(project_id, job_id)))


@route("/projects/<int:project_id>/exports/<int:job_id>/download", methods=["GET"])
def download_export(project_id, job_id):
    """The finished export file."""
    job = _job_for(project_id, job_id)
    if job.status != "completed" or not job.file_path:
        raise NotFound(f"export {job_id} is {job.status}, not ready", code="not_ready")
    path = Path(job.file_path)
    root = Path(current_app.config["DATA_DIR"]).resolve() / "exports"
    if root not in path.resolve().parents or not path.exists():
        raise NotFound(f"export {job_id} file is missing")
    resp = send_file(path, as_attachment=True, download_name=path.name, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
