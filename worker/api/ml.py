"""ML backends: Label Studio's /api/ml shape, plus predict/train jobs and the bundled models.

Attaching, changing, training and deleting a backend needs the manager role (creating a
backend is a way to make the server send requests, so annotators may not). Predicting needs
reviewer, as adding predictions by hand does.
"""
from sqlalchemy import select

from ..access import current_user, project_for
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Job, MLBackend, Task, TrainingRun
from ..services import ml as svc
from ..services.jobs import job_dict
from . import route
from .util import int_arg, json_body, json_response

#: Most task ids one predict request may name (a selection; "all" has no limit).
MAX_TASK_IDS = 100_000


def _backend_for(backend_id, min_role="manager"):
    """(project, backend) for a caller with ``min_role`` in its project; 404 for strangers."""
    backend = db.session.get(MLBackend, backend_id)
    if backend is None:
        raise NotFound(f"ML backend {backend_id} not found")
    return project_for(backend.project_id, min_role), backend


@route("/ml", methods=["GET"])
def list_backends():
    """The ML backends of ?project=ID."""
    project_id = int_arg("project")
    if project_id is None:
        raise ValidationError("project is required (?project=ID)")
    project_for(project_id)
    rows = db.session.execute(select(MLBackend).where(MLBackend.project_id == project_id)
                              .order_by(MLBackend.id)).scalars()
    return json_response([svc.backend_dict(b) for b in rows])


@route("/ml", methods=["POST"])
def create_backend():
    """Attach {"project", "url", "title"} (an external backend, SSRF-checked) or {"project",
    "model_name"} (a bundled model). /health and /setup are checked first: 400/502 with the
    backend's error, and nothing saved, when they fail."""
    body = json_body()
    project_id = body.get("project")
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        raise ValidationError("project (an integer id) is required")
    project = project_for(project_id, "manager")
    if not body.get("url") and not body.get("model_name"):
        raise ValidationError("give url (an external backend) or model_name (a bundled model)")
    backend = MLBackend(project_id=project.id, kind="external")
    svc.apply_fields(backend, body, project)
    db.session.add(backend)
    db.session.flush()
    svc.connect(db.session, project, backend)
    db.session.commit()
    return json_response(svc.backend_dict(backend), 201)


@route("/ml/<int:backend_id>", methods=["GET"])
def get_backend(backend_id):
    """One backend (members of its project)."""
    _, backend = _backend_for(backend_id, "annotator")
    return json_response(svc.backend_dict(backend))


@route("/ml/<int:backend_id>", methods=["PATCH", "PUT"])
def update_backend(backend_id):
    """Change a backend; a new URL, model or credentials is checked again (/health, /setup)."""
    project, backend = _backend_for(backend_id)
    body = json_body()
    before = (backend.url, backend.model_name, backend.auth_method, backend.basic_auth_user, backend.basic_auth_pass)
    svc.apply_fields(backend, body, project)
    after = (backend.url, backend.model_name, backend.auth_method, backend.basic_auth_user, backend.basic_auth_pass)
    if before != after:
        svc.connect(db.session, project, backend)
    db.session.commit()
    return json_response(svc.backend_dict(backend))


@route("/ml/<int:backend_id>", methods=["DELETE"])
def delete_backend(backend_id):
    """Detach a backend (its predictions stay, as in Label Studio)."""
    _, backend = _backend_for(backend_id)
    db.session.delete(backend)
    db.session.commit()
    return "", 204


@route("/ml/<int:backend_id>/train", methods=["POST"])
def train_backend(backend_id):
    """Start a training round now: 202 with the job to poll and the training run."""
    project, backend = _backend_for(backend_id)
    job, run = svc.start_train(db.session, project, backend, current_user().id)
    return json_response({"job": job_dict(job), "training_run": svc.run_dict(run)}, 202)


@route("/ml/<int:backend_id>/versions", methods=["GET"])
def backend_versions(backend_id):
    """Training history, newest first: status, model version, held-out accuracy."""
    _, backend = _backend_for(backend_id, "annotator")
    rows = db.session.execute(select(TrainingRun).where(TrainingRun.ml_backend_id == backend.id)
                              .order_by(TrainingRun.id.desc()).limit(500)).scalars()
    return json_response({"current": backend.model_version, "runs": [svc.run_dict(r) for r in rows]})


@route("/ml/<int:backend_id>/interactive-annotating", methods=["POST"])
def interactive_annotating(backend_id):
    """Label Studio's interactive pre-annotation: {"task": id, "context": {"result": [the
    click or box drawn]}} gives {"data": {"result", "score", "model_version"}} from one backend
    call, stored nowhere. Annotators may ask: they draw the prompts. 400 when the backend is
    not interactive or the task is not in its project; 502 when the backend fails."""
    project, backend = _backend_for(backend_id, "annotator")
    body = json_body()
    task_id = body.get("task")
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        raise ValidationError("task (an integer id) is required")
    return json_response({"data": svc.interactive(db.session, project, backend, task_id, body.get("context"))})


@route("/projects/<int:project_id>/ml/models", methods=["GET"])
def project_models(project_id):
    """Bundled models that can serve this project's labeling config."""
    project = project_for(project_id)
    return json_response({"models": svc.bundled_models(project.label_config),
                          "all": [m["name"] for m in svc.bundled_models()]})


@route("/projects/<int:project_id>/ml/predict", methods=["POST"])
def predict(project_id):
    """Predict {"task_ids": [...]} or {"all": true} (optionally "backend": id) in batches through
    the queue: 202 with a job to poll at /api/projects/{id}/ml/jobs/{job_id}."""
    project = project_for(project_id, "reviewer")
    body = json_body()
    backend_id = body.get("backend")
    if backend_id is not None and (isinstance(backend_id, bool) or not isinstance(backend_id, int)):
        raise ValidationError("backend must be an integer id")
    backend = svc.default_backend(db.session, project.id, backend_id)
    if body.get("all") is True:
        selection = {"all": True}
    elif body.get("unlabeled") is True:
        selection = {"unlabeled": True}
    else:
        ids = body.get("task_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool)
                                                           for i in ids):
            raise ValidationError('send {"task_ids": [integer ids]} or {"all": true}')
        if len(ids) > MAX_TASK_IDS:
            raise ValidationError(f"at most {MAX_TASK_IDS} task_ids per request; use \"all\": true")
        found = set(db.session.execute(select(Task.id).where(Task.project_id == project.id,
                                                             Task.id.in_(ids))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationError(f"tasks not in project {project.id}: {missing[:20]}")
        selection = {"task_ids": sorted(set(ids))}
    job = svc.start_predict(db.session, project, backend, current_user().id, selection)
    return json_response(job_dict(job), 202)


@route("/projects/<int:project_id>/ml/jobs/<int:job_id>", methods=["GET"])
def ml_job(project_id, job_id):
    """A predict or train job of the project: status, progress of total, result."""
    project = project_for(project_id)
    job = db.session.get(Job, job_id)
    if job is None or job.project_id != project.id or not job.kind.startswith("ml_"):
        raise NotFound(f"job {job_id} not found in project {project_id}")
    return json_response(job_dict(job))
