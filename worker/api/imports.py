"""Importing tasks: POST /api/projects/{id}/import (JSON body, files, or a URL).

Small imports answer 201 with counts. Large ones (over LABELART_IMPORT_ASYNC_BYTES, or
?async=true) are saved and run by an RQ worker: 202 with a job to poll.
"""
import io
import shutil
from pathlib import Path

import orjson
from flask import current_app, request

from ..access import current_user, project_for
from ..errors import ImportRejected
from ..extensions import db
from ..formats.music_import import music_sources, take_music_files
from ..formats.readers import read_items, sniff_format
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..models import Job
from ..queue import enqueue
from ..services import media
from ..services.events import emit_event
from ..services.importer import import_items
from ..services.jobs import job_dict
from . import route
from .util import bool_arg, json_response

IMPORT_JOB = "worker.jobs.imports.run_import_job"


@route("/projects/<int:project_id>/import", methods=["POST"])
def import_tasks(project_id):
    """Import tasks from the JSON body, uploaded files (JSON, JSONL, CSV, TSV, media) or a
    ``url`` form field. All or nothing: one bad task → 400 naming its index, nothing written."""
    project = project_for(project_id, "manager")
    user = current_user()
    big = (request.content_length or 0) > current_app.config["IMPORT_ASYNC_BYTES"]
    if big or bool_arg("async"):
        return _start_job(project, user)
    sources = _sources(project)
    items = _chain(project, sources)
    stats = import_items(db.session, project, items, user.id)
    emit_event(db.session, project.id, "TASKS_CREATED", {"task_count": stats.task_count})
    db.session.commit()
    from ..services.ml import on_tasks_imported  # first-pass predictions when a backend is attached
    on_tasks_imported(project.id, stats.first_task_id, stats.task_count)
    body = stats.to_dict()
    body.update(file_upload_ids=[s[2] for s in sources if s[2]], could_be_tasks_list=False,
                found_formats=sorted({s[0] for s in sources}), data_columns=[])
    return json_response(body, 201)


def _sources(project):
    """[(format, stream, file_upload_id)] from the request. Raises ImportRejected."""
    if request.files:
        out = []
        storages, music = take_music_files(request.files.getlist("file") + [
            f for k, f in request.files.items(multi=True) if k != "file"])
        for storage in storages:
            fmt = sniff_format(storage.filename or "", storage.mimetype)
            if fmt:
                out.append((fmt, storage.stream, None))
            elif media.media_kind(storage.filename or ""):
                upload = media.save_upload(db.session, project.id, storage)
                out.append(("media", upload, upload.id))
            else:
                raise ImportRejected(f"{storage.filename}: unsupported file type "
                                     "(JSON, JSONL, CSV, TSV, images, audio, video, text)")
        return music_sources(db.session, project, out, music)
    if request.form.get("url") or (request.is_json and _url_only()):
        return [_fetch_url(request.form.get("url") or orjson.loads(request.get_data())["url"])]
    raw = request.get_data()
    if not raw.strip():
        raise ImportRejected("nothing to import: send a JSON list of tasks or upload files")
    return [("json", io.BytesIO(raw), None)]


def _url_only():
    try:
        body = orjson.loads(request.get_data())
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and set(body) == {"url"}


def _fetch_url(url):
    """Fetch an import file through the SSRF guard."""
    from ..net.fetch_guard import allow_list, fetch

    result = fetch("GET", url, allow=allow_list(), max_bytes=current_app.config["IMPORT_ASYNC_BYTES"])
    if result.status != 200:
        raise ImportRejected(f"{url} answered HTTP {result.status}")
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    fmt = sniff_format(name, result.headers.get("Content-Type", "")) or "json"
    return (fmt, io.BytesIO(result.content), None)


def _chain(project, sources):
    config = parse_config(project.label_config)
    index = 0
    for fmt, stream, _ in sources:
        if fmt == "media":
            yield media.task_item_for(config, stream, index)
            index += 1
            continue
        for item in read_items(stream, fmt):
            yield item
            index += 1


def _start_job(project, user):
    """Save the request body/files under DATA_DIR/imports/<job> and queue the import."""
    job = Job(kind="import", project_id=project.id, user_id=user.id, status="queued")
    db.session.add(job)
    db.session.flush()
    folder = Path(current_app.config["DATA_DIR"]) / "imports" / str(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    if request.files:
        for n, storage in enumerate(request.files.values()):
            fmt = sniff_format(storage.filename or "", storage.mimetype)
            if not fmt:
                raise ImportRejected(f"{storage.filename}: background imports take JSON, JSONL, CSV or TSV files")
            path = folder / f"{n}.{fmt}"
            with open(path, "wb") as out:
                shutil.copyfileobj(storage.stream, out, 1 << 20)
            files.append([str(path), fmt])
    else:
        path = folder / "body.json"
        with open(path, "wb") as out:
            shutil.copyfileobj(request.stream, out, 1 << 20)
        files.append([str(path), "json"])
    job.params = dumps_str({"files": files})
    db.session.commit()
    enqueue("imports", IMPORT_JOB, job.id, job_timeout=6 * 3600)
    return json_response({**job_dict(job), "import": job.id,
                          "url": f"/api/projects/{project.id}/imports/{job.id}"}, 202)


@route("/projects/<int:project_id>/imports/<int:job_id>", methods=["GET"])
def import_status(project_id, job_id):
    """Progress of a background import: status, progress (tasks written), result or error."""
    project_for(project_id)
    job = db.session.get(Job, job_id)
    if job is None or job.project_id != project_id or job.kind != "import":
        from ..errors import NotFound

        raise NotFound(f"import {job_id} not found")
    return json_response(job_dict(job))
