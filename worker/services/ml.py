"""ML backends of a project: attach (bundled or by URL), predict in batches, train, learn online.

Views and hooks call this module; RQ jobs (``worker.jobs.ml``) do the slow parts. A backend is
either a bundled model run in-process by the workers (``kind="bundled"``) or any server speaking
the Label Studio ML-backend protocol (``kind="external"``), reached only through the SSRF guard.
"""
import base64
import hashlib
import hmac
import logging
import time

import orjson
from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy import event

from ..errors import APIError, ValidationError
from ..jsonio import dumps_str, iso
from ..labeling.config import parse_config
from ..labeling.results import validate_result
from ..models import Annotation, Job, MLBackend, Prediction, Project, Task, TrainingRun, utcnow
from . import stream
from .serialize import annotation_dict, task_dict

log = logging.getLogger(__name__)

QUEUE = "ml"
PLAN_JOB = "worker.jobs.ml.run_predict_job"
BATCH_JOB = "worker.jobs.ml.run_predict_batch"
TRAIN_JOB = "worker.jobs.ml.run_train_job"
#: Tasks per /predict call (and per RQ batch job): big enough to amortise a call and a model
#: load, small enough that a batch finishes well inside Label Studio's 100 s predict timeout.
BATCH_SIZE = 200
#: Label Studio's client timeouts (connect, read) per call, in seconds.
TIMEOUTS = {"health": (1, 10), "setup": (1, 30), "predict": (1, 100), "train": (1, 100)}
#: Media tokens handed to backends in /setup live this long; every job sends /setup anew.
MEDIA_TOKEN_TTL = 24 * 3600
TOKEN_PREFIX = "lam1"
#: Largest answer accepted from a backend.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
AUTH_METHODS = ("NONE", "BASIC_AUTH")
#: Most prompt regions one interactive call may carry (clicks and boxes of one object).
MAX_CONTEXT_REGIONS = 50
#: Debounce for automatic training: one queued round per backend at a time.
PENDING_KEY = "labelart:ml:train-pending:{}"


class MLBackendError(APIError):
    """A backend could not be reached or answered something unusable (names which and why)."""

    status = 502
    code = "ml_backend_error"


def batch_size(backend):
    """Tasks per batch job for ``backend``: BATCH_SIZE for external servers (one /predict call
    each); a bundled model's own PREDICT_BATCH when it declares one (it runs in the work horse,
    which pays the torch import and the model load once per batch)."""
    if backend is not None and backend.kind == "bundled":
        from ml_backend.models import get

        try:
            return get(backend.model_name).PREDICT_BATCH or BATCH_SIZE
        except KeyError:
            return BATCH_SIZE
    return BATCH_SIZE


def retry():
    from ..queue import Retry

    return Retry(max=3, interval=[5, 30, 120])


# ---------------------------------------------------------------- media tokens

def _token_sig(project_id, expires):
    key = current_app.config["SECRETS"]["media_token_key"].encode()
    return hmac.new(key, f"media:{project_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def media_token(project_id, ttl=MEDIA_TOKEN_TTL):
    """A token that lets its holder read the media of ``project_id`` only, until it expires."""
    expires = int(time.time()) + int(ttl)
    return f"{TOKEN_PREFIX}.{project_id}.{expires}.{_token_sig(project_id, expires)}"


def verify_media_token(token):
    """The project id a media token grants, or None (bad signature, expired, malformed)."""
    parts = (token or "").split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    project_id, expires = int(parts[1]), int(parts[2])
    if expires < time.time() or not hmac.compare_digest(parts[3], _token_sig(project_id, expires)):
        return None
    return project_id


def is_media_token(value):
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX + ".")


# ---------------------------------------------------------------- rows and fields

def backend_dict(b):
    """Label Studio's ML backend shape plus Label.Art's fields (never the password)."""
    return {"id": b.id, "project": b.project_id, "title": b.title, "url": b.url, "kind": b.kind,
            "model_name": b.model_name, "state": b.state, "error_message": b.error_message or None,
            "model_version": b.model_version, "is_interactive": b.is_interactive,
            "auth_method": b.auth_method, "basic_auth_user": b.basic_auth_user,
            "basic_auth_pass_is_set": bool(b.basic_auth_pass), "train_every": b.train_every,
            "uncertainty": b.uncertainty, "extra_params": orjson.loads(b.extra_params or "{}"),
            "annotations_at_last_train": b.annotations_at_last_train,
            "created_at": iso(b.created_at), "updated_at": iso(b.updated_at)}


def run_dict(r):
    return {"id": r.id, "backend": r.ml_backend_id, "status": r.status, "model_version": r.model_version,
            "annotation_count": r.annotation_count, "metrics": orjson.loads(r.metrics or "{}"),
            "error": r.error or None, "created_at": iso(r.created_at), "finished_at": iso(r.finished_at)}


def bundled_models(label_config=None):
    """Bundled model descriptions; only those serving ``label_config`` when it is given."""
    from ml_backend.models import MODELS

    return [cls.describe() for cls in MODELS.values() if label_config is None or cls.serves(label_config)]


def apply_fields(backend, body, project):
    """Copy validated fields from ``body`` onto ``backend``. Raises ValidationError naming the field."""
    from ml_backend.base import UNCERTAINTY_METHODS
    from ml_backend.models import MODELS

    def text(name, limit):
        value = body[name]
        if not isinstance(value, str) or len(value) > limit:
            raise ValidationError(f"{name} must be a string of at most {limit} characters")
        return value.strip()

    if "title" in body:
        backend.title = text("title", 200)
    if body.get("model_name"):
        name = text("model_name", 100)
        if name not in MODELS:
            raise ValidationError(f"model_name must be one of {', '.join(MODELS)}")
        if not MODELS[name].serves(project.label_config):
            raise ValidationError(f"{name} cannot serve this project's labeling config; "
                                  f"matching models: {[m['name'] for m in bundled_models(project.label_config)]}")
        backend.kind, backend.model_name, backend.url = "bundled", name, ""
        backend.title = backend.title or MODELS[name].title
    elif "url" in body:
        url = text("url", 2048)
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError("url must be an http(s) URL of an ML backend")
        backend.kind, backend.model_name, backend.url = "external", "", url.rstrip("/")
    if "auth_method" in body:
        if body["auth_method"] not in AUTH_METHODS:
            raise ValidationError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")
        backend.auth_method = body["auth_method"]
    for name in ("basic_auth_user", "basic_auth_pass"):
        if name in body:
            setattr(backend, name, text(name, 200))
    if "is_interactive" in body:
        if not isinstance(body["is_interactive"], bool):
            raise ValidationError("is_interactive must be true or false")
        backend.is_interactive = body["is_interactive"]
    if "train_every" in body:
        value = body["train_every"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise ValidationError("train_every must be an integer from 0 (never) to 1000000")
        backend.train_every = value
    if "uncertainty" in body:
        if body["uncertainty"] not in UNCERTAINTY_METHODS:
            raise ValidationError(f"uncertainty must be one of {', '.join(UNCERTAINTY_METHODS)}")
        backend.uncertainty = body["uncertainty"]
    if "extra_params" in body:
        extra = body["extra_params"]
        if isinstance(extra, str):
            try:
                extra = orjson.loads(extra) if extra.strip() else {}
            except orjson.JSONDecodeError as exc:
                raise ValidationError("extra_params must be a JSON object") from exc
        if not isinstance(extra, dict):
            raise ValidationError("extra_params must be a JSON object")
        backend.extra_params = dumps_str(extra)
    if backend.kind == "external" and not backend.url:
        raise ValidationError("give url (an external backend) or model_name (a bundled model)")


def connect(session, project, backend):
    """Check ``/health`` and ``/setup``; record the state. Raises MLBackendError with the reason
    (the row is left in state ERROR with that message)."""
    try:
        client = client_for(backend, project)
        client.health()
        version = client.setup()
    except (APIError, ValueError) as exc:
        backend.state, backend.error_message = "ERROR", getattr(exc, "detail", str(exc))
        refused = isinstance(exc, ValidationError)  # the SSRF guard or our own checks said no
        raise MLBackendError(f"the ML backend did not answer /health and /setup: {backend.error_message}",
                             status=400 if refused else 502, code=exc.code if refused else None) from exc
    backend.state, backend.error_message = "CONNECTED", ""
    note_version(session, backend, version)
    return version


def note_version(session, backend, version):
    """Remember ``version`` as the backend's current one, and in its history, once."""
    if not version or not isinstance(version, str):
        return
    version = version[:200]
    backend.model_version = version
    if backend.id is None:
        session.flush()
    known = session.execute(select(TrainingRun.id).where(TrainingRun.ml_backend_id == backend.id,
                                                         TrainingRun.model_version == version).limit(1)).first()
    if known is None:
        session.add(TrainingRun(ml_backend_id=backend.id, status="observed", model_version=version,
                                finished_at=utcnow()))


def known_versions(session, backend):
    rows = session.execute(select(TrainingRun.model_version).where(TrainingRun.ml_backend_id == backend.id,
                                                                  TrainingRun.model_version != "")).scalars()
    return {*rows, backend.model_version} - {""}


# ---------------------------------------------------------------- clients

def project_ref(project):
    """How Label Studio names a project to backends: "<id>.<created_at unix seconds>"."""
    created = project.created_at
    return f"{project.id}.{int(created.timestamp()) if created else 0}"


def public_url():
    from ..serve import local_url

    return (current_app.config.get("PUBLIC_URL") or local_url(current_app.config)).rstrip("/")


def client_for(backend, project):
    return BundledClient(backend, project) if backend.kind == "bundled" else ExternalClient(backend, project)


class ExternalClient:
    """A Label Studio protocol server, called through the SSRF guard with Label Studio's payloads."""

    def __init__(self, backend, project):
        self.backend, self.project = backend, project

    def _headers(self):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        b = self.backend
        if b.auth_method == "BASIC_AUTH":
            pair = f"{b.basic_auth_user}:{b.basic_auth_pass}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return headers

    def call(self, method, path, payload=None, timeout=(1, 30)):
        """JSON from ``path``. Raises MLBackendError naming the backend, path and reason;
        FetchBlocked (400) when the guard refuses the URL."""
        from ..net.fetch_guard import FetchFailed, fetch

        url = self.backend.url + path
        try:
            resp = fetch(method, url, headers=self._headers(), timeout=timeout, max_bytes=MAX_RESPONSE_BYTES,
                         body=orjson.dumps(payload) if payload is not None else None, max_redirects=0,
                         total_timeout=timeout[0] + timeout[1] + 5)
        except FetchFailed as exc:
            raise MLBackendError(f"{url}: {exc.detail}") from exc
        try:
            data = resp.json() if resp.content else {}
        except orjson.JSONDecodeError:
            data = None
        if resp.status >= 300:
            reason = data.get("error") or data.get("detail") if isinstance(data, dict) else resp.text[:300]
            raise MLBackendError(f"{url} answered HTTP {resp.status}: {reason}")
        if data is None:
            raise MLBackendError(f"{url} did not answer JSON")
        return data

    def health(self):
        data = self.call("GET", "/health", timeout=TIMEOUTS["health"])
        if not isinstance(data, dict) or str(data.get("status", "")).upper() != "UP":
            raise MLBackendError(f"{self.backend.url}/health did not say status UP: {str(data)[:200]}")
        return data

    def setup(self):
        p = self.project
        data = self.call("POST", "/setup", {
            "project": project_ref(p), "schema": p.label_config, "hostname": public_url(),
            "access_token": media_token(p.id), "model_version": self.backend.model_version or None,
            "extra_params": orjson.loads(self.backend.extra_params or "{}")}, timeout=TIMEOUTS["setup"])
        return data.get("model_version") if isinstance(data, dict) else None

    def predict(self, tasks, context=None):
        p = self.project
        data = self.call("POST", "/predict", {"tasks": tasks, "project": project_ref(p), "label_config": p.label_config,
                                              "params": {"login": None, "password": None, "context": context}},
                         timeout=TIMEOUTS["predict"])
        results = data.get("results") if isinstance(data, dict) else data
        if not isinstance(results, list) or len(results) != len(tasks):
            raise MLBackendError(f"{self.backend.url}/predict answered {len(results) if isinstance(results, list) else 'no'}"
                                 f" results for {len(tasks)} tasks")
        default_version = data.get("model_version") if isinstance(data, dict) else None
        out = []
        for r in results:
            if isinstance(r, list):  # newer backends may answer several predictions per task
                r = r[0] if r else {}
            if not isinstance(r, dict):
                r = {}
            out.append({"result": r.get("result") or [], "score": r.get("score"),
                        "model_version": r.get("model_version") or default_version or self.backend.model_version})
        return out

    def train(self, tasks):
        p = self.project
        payload = {"action": "START_TRAINING", "project": {"id": p.id, "title": p.title,
                                                          "label_config": p.label_config},
                   # Label Studio backends fetch annotations themselves; Label.Art's use these.
                   "tasks": tasks}
        data = self.call("POST", "/webhook", payload, timeout=TIMEOUTS["train"])
        result = data.get("result") if isinstance(data, dict) else None
        return {"status": "sent", "backend": result if isinstance(result, (dict, list, str)) else None,
                "annotations": len(tasks)}


class BundledClient:
    """A bundled model run in this process, reading media straight from the media store."""

    def __init__(self, backend, project):
        from ml_backend.media import MediaLoader
        from ml_backend.models import get
        from ml_backend.store import ModelStore
        from pathlib import Path

        self.backend, self.project = backend, project
        try:
            cls = get(backend.model_name)
        except KeyError as exc:
            raise ValidationError(str(exc.args[0])) from exc
        params = {**orjson.loads(backend.extra_params or "{}"), "uncertainty": backend.uncertainty}
        store = ModelStore(Path(current_app.config["DATA_DIR"]) / "ml", f"backend-{backend.id}")
        try:
            self.model = cls(project.label_config, project=str(project.id), store=store,
                             media=MediaLoader(resolver=local_media(project.id)), params=params)
        except ValueError as exc:
            raise ValidationError(f"{backend.model_name}: {exc}") from exc

    def health(self):
        return {"status": "UP", "model_class": type(self.model).__name__}

    def setup(self):
        return self.model.setup()

    def predict(self, tasks, context=None):
        return self.model.predict(tasks, context=context)

    def train(self, tasks):
        return self.model.fit("START_TRAINING", {"tasks": tasks})


def local_media(project_id):
    """A resolver for bundled models: the project's own uploads from disk, other URLs through
    the SSRF guard. Media of another project is refused like a missing file."""
    import re

    from ml_backend.media import MediaError

    from ..extensions import db, write_intent
    from ..models import FileUpload
    from .media import path_for

    pattern = re.compile(r"^(?:https?://[^/]+)?/data/upload/(\d+)/")

    def resolve(url):
        match = pattern.match(url)
        if match:
            # A read: it must not queue for the write lock the calling job may hold.
            token = write_intent.set(False)
            try:
                with db.Session() as session:
                    upload = session.get(FileUpload, int(match.group(1)))
            finally:
                write_intent.reset(token)
            if upload is None or upload.project_id != project_id:
                raise MediaError(f"{url}: no such file in project {project_id}")
            return path_for(upload.sha256).read_bytes()
        if url.lower().startswith(("http://", "https://")):
            from ..net.fetch_guard import fetch

            try:
                resp = fetch("GET", url, max_redirects=3)
            except APIError as exc:
                raise MediaError(f"{url}: {exc.detail}") from exc
            if resp.status != 200:
                raise MediaError(f"{url} answered HTTP {resp.status}")
            return resp.content
        return None

    return resolve


# ---------------------------------------------------------------- predictions

def task_payloads(session, project_id, task_ids):
    """Label Studio task dicts for ``task_ids`` of ``project_id`` (others are ignored), in id order."""
    rows = session.execute(select(Task).where(Task.project_id == project_id, Task.id.in_(task_ids))
                           .order_by(Task.id)).scalars()
    return [task_dict(t) for t in rows]


def annotated_tasks(session, project_id):
    """Every task with a completed annotation, with its annotations, for training."""
    anns = {}
    for a in session.execute(select(Annotation).where(Annotation.project_id == project_id,
                                                      Annotation.was_cancelled.is_(False))
                             .order_by(Annotation.id)).scalars():
        anns.setdefault(a.task_id, []).append(annotation_dict(a))
    out = []
    ids = list(anns)
    for start in range(0, len(ids), 1000):
        for t in session.execute(select(Task).where(Task.id.in_(ids[start:start + 1000]))).scalars():
            out.append(task_dict(t, annotations=[]) | {"annotations": anns[t.id]})
    return out


def write_predictions(session, project, backend, tasks, results):
    """Replace this backend's earlier predictions on ``tasks`` with ``results``; keep task and
    project counters true. Results that fail validation are skipped and counted.
    Returns {"written", "skipped", "invalid"}."""
    config = parse_config(project.label_config)
    stream.serialise(session, project.id)
    for r in results:
        note_version(session, backend, r.get("model_version"))
    session.flush()
    versions = known_versions(session, backend)
    ids = [t["id"] for t in tasks]
    if versions:
        session.execute(delete(Prediction).where(Prediction.task_id.in_(ids),
                                                 Prediction.model_version.in_(versions)))
    rows, skipped, invalid = [], 0, 0
    now = utcnow()
    for task, r in zip(tasks, results):
        result = r.get("result") or []
        if not result:
            skipped += 1
            continue
        try:
            validate_result(result, config)
        except ValidationError as exc:
            invalid += 1
            log.warning("backend %s: invalid prediction for task %s: %s", backend.id, task["id"], exc.detail)
            continue
        score = r.get("score")
        score = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None
        rows.append({"task_id": task["id"], "project_id": project.id, "result": dumps_str(result), "score": score,
                     "model_version": str(r.get("model_version") or backend.model_version)[:200],
                     "created_at": now, "updated_at": now})
    if rows:
        session.execute(insert(Prediction), rows)
    _recount(session, project.id, ids)
    return {"written": len(rows), "skipped": skipped, "invalid": invalid}


def _recount(session, project_id, ids):
    """Per-task prediction counters and lowest score (uncertainty sampling) for ``ids``, in bulk."""
    stats = dict.fromkeys(ids, (0, None))
    for task_id, n, low in session.execute(select(Prediction.task_id, func.count(), func.min(Prediction.score))
                                           .where(Prediction.task_id.in_(ids)).group_by(Prediction.task_id)):
        stats[task_id] = (n, low)
    before = dict(session.execute(select(Task.id, Task.total_predictions).where(Task.id.in_(ids))).all())
    for task_id, (n, low) in stats.items():
        if before.get(task_id) is None and task_id not in before:
            continue
        session.execute(update(Task).where(Task.id == task_id).values(total_predictions=n, prediction_score=low))
    delta = sum(stats[i][0] - before.get(i, 0) for i in before)
    if delta:
        session.execute(update(Project).where(Project.id == project_id)
                        .values(total_predictions=Project.total_predictions + delta))


def predict_tasks(session, project, backend, task_ids):
    """Predict ``task_ids`` in one call to the backend and store the results (caller commits)."""
    tasks = task_payloads(session, project.id, task_ids)
    if not tasks:
        return {"written": 0, "skipped": 0, "invalid": 0}
    client = client_for(backend, project)
    results = client.predict(tasks)
    return write_predictions(session, project, backend, tasks, results)


def interactive(session, project, backend, task_id, context):
    """Predict one task with an editor prompt (``params.context``: the click or box a person
    drew) in one backend call and return {"result", "score", "model_version"}; nothing is stored.
    Raises ValidationError (not interactive, bad context, task not in the project, invalid
    answer) or MLBackendError."""
    from ml_backend.media import MediaError

    if not backend.is_interactive:
        raise ValidationError(f"ML backend {backend.id} is not interactive (set is_interactive)")
    regions = context.get("result") if isinstance(context, dict) else None
    if not isinstance(regions, list) or not regions or len(regions) > MAX_CONTEXT_REGIONS:
        raise ValidationError(f'context must be {{"result": [1 to {MAX_CONTEXT_REGIONS} regions]}}')
    tasks = task_payloads(session, project.id, [task_id])
    if not tasks:
        raise ValidationError(f"task {task_id} is not in project {project.id}")
    client = client_for(backend, project)
    if backend.kind == "external":
        client.setup()  # a fresh media token, as for batches
    try:
        answer = client.predict(tasks, context=context)[0]
    except MediaError as exc:
        raise MLBackendError(f"{backend.model_name or backend.url}: {exc}") from exc
    result = answer.get("result") or []
    try:
        validate_result(result, parse_config(project.label_config))
    except ValidationError as exc:
        raise MLBackendError(f"the ML backend answered an invalid region: {exc.detail}") from exc
    return {"result": result, "score": answer.get("score"), "model_version": answer.get("model_version")}


# ---------------------------------------------------------------- jobs

def default_backend(session, project_id, backend_id=None):
    """The backend ``backend_id`` of the project, or its first one. Raises ValidationError."""
    q = select(MLBackend).where(MLBackend.project_id == project_id)
    if backend_id is not None:
        q = q.where(MLBackend.id == backend_id)
    found = session.execute(q.order_by(MLBackend.id).limit(1)).scalar_one_or_none()
    if found is None:
        raise ValidationError("this project has no ML backend" if backend_id is None
                              else f"ML backend {backend_id} is not attached to project {project_id}")
    return found


def start_predict(session, project, backend, user_id, selection):
    """Record a predict job for ``selection`` ({"task_ids"}, {"all"}, {"unlabeled"} or
    {"inner_from", "count"}) and queue it. The caller has committed nothing yet; this commits.
    Returns the Job (status "pending" when the queue was unreachable: it is queued again on
    the next request that names it)."""
    from ..queue import try_enqueue

    job = Job(kind="ml_predict", project_id=project.id, user_id=user_id, status="queued",
              params=dumps_str({"backend": backend.id, **selection}))
    session.add(job)
    session.commit()
    if try_enqueue(QUEUE, PLAN_JOB, job.id, retry=retry()) is None:
        job.status, job.error = "pending", "the job queue is unreachable; retry when it is back"
        session.commit()
    return job


def start_train(session, project, backend, user_id):
    """Record a training run and its job and queue them (commits). Returns (job, run)."""
    from ..queue import try_enqueue

    run = TrainingRun(ml_backend_id=backend.id, status="queued")
    session.add(run)
    session.flush()
    job = Job(kind="ml_train", project_id=project.id, user_id=user_id, status="queued",
              params=dumps_str({"backend": backend.id, "run": run.id}))
    session.add(job)
    session.commit()
    if try_enqueue(QUEUE, TRAIN_JOB, backend.id, job.id, run.id, retry=retry(), job_timeout=6 * 3600) is None:
        job.status = run.status = "pending"
        job.error = run.error = "the job queue is unreachable; retry when it is back"
        session.commit()
    return job, run


def job_progress_key(job_id):
    # The key services.jobs reads for live progress, so job_dict shows ours too.
    return f"labelart:job:{job_id}:progress"


# ---------------------------------------------------------------- hooks

def on_tasks_imported(project_id, first_task_id, count):
    """After an import commits: queue predictions for the new tasks when the project has a
    backend. Never raises (an import must not fail because the queue or a backend is down)."""
    from ..extensions import db

    if not count or first_task_id is None:
        return None
    try:
        with db.Session() as session:
            backend = session.execute(select(MLBackend).where(MLBackend.project_id == project_id)
                                      .order_by(MLBackend.id).limit(1)).scalar_one_or_none()
            if backend is None:
                return None
            project = session.get(Project, project_id)
            first_inner = session.execute(select(Task.inner_id).where(Task.id == first_task_id)).scalar_one()
            # An import's inner ids are contiguous: it holds the project's row lock while inserting.
            return start_predict(session, project, backend, None, {"inner_from": first_inner, "count": count}).id
    except Exception:  # noqa: BLE001 - a hook after a committed import must never fail it
        log.exception("could not queue predictions for tasks imported into project %s", project_id)
        return None


def on_annotation_created(session, project_id):
    """Cheap check after an annotation is added: when a backend of the project wants training
    every N annotations and N have arrived since its last round, queue a round once the
    annotation commits. Never raises."""
    try:
        rows = session.execute(select(MLBackend.id, MLBackend.train_every, MLBackend.annotations_at_last_train)
                               .where(MLBackend.project_id == project_id, MLBackend.train_every > 0)).all()
        if not rows:
            return
        total = session.execute(select(Project.total_annotations).where(Project.id == project_id)).scalar_one()
        due = [backend_id for backend_id, every, last in rows if total - last >= every]
        if due:
            session.info.setdefault("labelart_ml_train", set()).update(due)
    except Exception:  # noqa: BLE001 - saving the annotation matters more than training
        log.exception("online-learning check failed for project %s", project_id)


@event.listens_for(Session, "after_commit")
def _train_after_commit(session):
    due = session.info.pop("labelart_ml_train", None)
    for backend_id in sorted(due or ()):
        queue_auto_train(backend_id)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session):
    session.info.pop("labelart_ml_train", None)


def queue_auto_train(backend_id):
    """Queue one automatic training round for ``backend_id`` unless one is already waiting."""
    from redis.exceptions import RedisError

    from ..queue import get_redis, try_enqueue

    key = PENDING_KEY.format(backend_id)
    try:
        if not get_redis().set(key, 1, nx=True, ex=3600):
            return None
    except (RedisError, OSError):
        return None
    job = try_enqueue(QUEUE, TRAIN_JOB, backend_id, None, None, retry=retry(), job_timeout=6 * 3600)
    if job is None:
        try:
            get_redis().delete(key)
        except (RedisError, OSError):
            pass
    return job
