"""RQ jobs of the ML backends: plan a predict job, predict one batch, train a round.

Each opens its own app context and session, takes ids, and records its outcome in the
database (Job, TrainingRun, MLBackend.state). Training holds no transaction while the model
learns, so a worker killed mid-training (``kill -9``) leaves the database consistent and the
model store without a half-written version; RQ then hands the job to another worker
(``Retry``), which reuses the same TrainingRun row.
"""
import logging

import orjson
from sqlalchemy import select, update

from ..errors import APIError
from ..extensions import db, write_intent
from ..jsonio import dumps_str
from ..models import Job, MLBackend, Project, Task, TrainingRun, utcnow
from ..services import ml
from . import app_context
from .community import queue_training_announcement

log = logging.getLogger(__name__)


def _selection_ids(session, project_id, params):
    q = select(Task.id).where(Task.project_id == project_id)
    if params.get("task_ids") is not None:
        q = q.where(Task.id.in_([int(i) for i in params["task_ids"]]))
    elif params.get("unlabeled"):
        q = q.where(Task.is_labeled.is_(False))
    elif params.get("inner_from") is not None:
        start = int(params["inner_from"])
        q = q.where(Task.inner_id >= start, Task.inner_id < start + int(params["count"]))
    return list(session.execute(q.order_by(Task.id)).scalars())


def run_predict_job(job_id):
    """Split the job's tasks into batches and queue one batch job each (fan-out: several
    workers, on several hosts, predict at once)."""
    from ..queue import enqueue, get_queue

    with app_context():
        write_intent.set(True)
        session = db.Session()
        try:
            job = session.get(Job, job_id)
            if job is None or job.status not in ("queued", "pending", "running"):
                return
            params = orjson.loads(job.params)
            ids = _selection_ids(session, job.project_id, params)
            job.status, job.total, job.progress, job.error = "running", len(ids), 0, ""
            session.commit()
            _reset_progress(job_id)
            if not ids:
                _finish(session, job_id, "completed")
                return
            size = int(params.get("batch_size") or ml.batch_size(session.get(MLBackend, params["backend"])))
            batches = [ids[i:i + size] for i in range(0, len(ids), size)]
            queue = get_queue(ml.QUEUE)
            if queue.is_async:
                queue.enqueue_many([queue.prepare_data(ml.BATCH_JOB, (job_id, params["backend"], batch),
                                                       retry=ml.retry()) for batch in batches])
            else:
                for batch in batches:
                    enqueue(ml.QUEUE, ml.BATCH_JOB, job_id, params["backend"], batch)
        except Exception as exc:  # the worker boundary: record, log with context, re-raise for RQ's retry
            session.rollback()
            log.exception("ML predict job %s could not be planned", job_id)
            _finish(session, job_id, "failed", f"internal error: {type(exc).__name__}")
            raise
        finally:
            session.close()


def run_predict_batch(job_id, backend_id, task_ids):
    """Predict one batch with one backend call and store it; the last batch completes the job."""
    with app_context():
        write_intent.set(False)
        session = db.Session()
        try:
            backend = session.get(MLBackend, backend_id)
            job = session.get(Job, job_id)
            if backend is None or job is None:
                return
            project = session.get(Project, backend.project_id)
            tasks = ml.task_payloads(session, project.id, task_ids)
            # Read done: hold no transaction (commit keeps the loaded rows usable; a rollback
            # would expire them and the next attribute read would open one again).
            session.commit()
            client = ml.client_for(backend, project)
            if backend.kind == "external":
                client.setup()  # a fresh media token for this batch
            results = client.predict(tasks) if tasks else []
            write_intent.set(True)
            session.expire_all()
            backend = session.get(MLBackend, backend_id)
            stats = ml.write_predictions(session, project, backend, tasks, results) if tasks else {}
            if backend.state != "CONNECTED":
                backend.state, backend.error_message = "CONNECTED", ""
            session.commit()
            done = _add_progress(job_id, len(task_ids))
            _note_stats(session, job_id, stats)
            if done is not None and done >= (job.total or 0):
                _finish(session, job_id, "completed")
        except APIError as exc:
            session.rollback()
            _fail_backend(session, backend_id, exc.detail)
            _finish(session, job_id, "failed", exc.detail)
            raise
        except Exception as exc:  # the worker boundary
            session.rollback()
            log.exception("ML predict batch of job %s (backend %s) failed", job_id, backend_id)
            _finish(session, job_id, "failed", f"internal error: {type(exc).__name__}: {exc}")
            raise
        finally:
            session.close()


def run_train_job(backend_id, job_id=None, run_id=None):
    """Fit a new version from every current annotation, then re-predict unlabeled tasks."""
    from redis.exceptions import RedisError

    from ..queue import get_redis

    with app_context():
        write_intent.set(True)
        session = db.Session()
        try:
            get_redis().delete(ml.PENDING_KEY.format(backend_id))
        except (RedisError, OSError):
            pass
        try:
            backend = session.get(MLBackend, backend_id)
            if backend is None:
                return
            project = session.get(Project, backend.project_id)
            run = session.get(TrainingRun, run_id) if run_id else None
            if run is None:
                run = TrainingRun(ml_backend_id=backend_id)
                session.add(run)
            total = project.total_annotations
            run.status, run.error, run.annotation_count = "running", "", total
            backend.state, backend.annotations_at_last_train = "TRAINING", total
            if job_id:
                session.execute(update(Job).where(Job.id == job_id).values(status="running"))
            session.commit()
            run_id = run.id
            tasks = ml.annotated_tasks(session, project.id)
            # No transaction (and no SQLite write lock) while the model learns: a kill -9 now
            # loses nothing, and imports and annotations go on meanwhile.
            session.commit()
            write_intent.set(False)
            metrics = ml.client_for(backend, project).train(tasks)
            _train_done(session, backend_id, run_id, job_id, metrics)
        except APIError as exc:
            session.rollback()
            _train_failed(session, backend_id, run_id, job_id, exc.detail)
            raise
        except Exception as exc:  # the worker boundary
            session.rollback()
            log.exception("training backend %s (run %s) failed", backend_id, run_id)
            _train_failed(session, backend_id, run_id, job_id, f"internal error: {type(exc).__name__}: {exc}")
            raise
        finally:
            session.close()


def _train_done(session, backend_id, run_id, job_id, metrics):
    write_intent.set(True)
    session.expire_all()
    backend = session.get(MLBackend, backend_id)
    project = session.get(Project, backend.project_id)
    run = session.get(TrainingRun, run_id)
    version = metrics.get("model_version") if isinstance(metrics, dict) else None
    run.status = "skipped" if isinstance(metrics, dict) and metrics.get("status") == "skipped" else "completed"
    run.metrics, run.finished_at = dumps_str(metrics), utcnow()
    run.model_version = version or ""
    backend.state, backend.error_message = "CONNECTED", ""
    if version:
        backend.model_version = version
    if job_id:
        session.execute(update(Job).where(Job.id == job_id).values(
            status="completed", finished_at=utcnow(), result=dumps_str({"run": run_id, "metrics": metrics})))
    session.commit()
    if run.status == "completed":
        queue_training_announcement(run_id)
    if version or backend.kind == "external":
        # Fresh predictions for what is left to label: the stream's uncertainty order follows them.
        ml.start_predict(session, project, backend, None, {"unlabeled": True})


def _train_failed(session, backend_id, run_id, job_id, detail):
    write_intent.set(True)
    if run_id:
        session.execute(update(TrainingRun).where(TrainingRun.id == run_id).values(
            status="failed", error=detail, finished_at=utcnow()))
    _fail_backend(session, backend_id, detail, commit=False)
    if job_id:
        session.execute(update(Job).where(Job.id == job_id).values(status="failed", error=detail,
                                                                   finished_at=utcnow()))
    session.commit()


def _fail_backend(session, backend_id, detail, commit=True):
    write_intent.set(True)
    session.execute(update(MLBackend).where(MLBackend.id == backend_id).values(state="ERROR",
                                                                              error_message=detail[:2000]))
    if commit:
        session.commit()


def _reset_progress(job_id):
    from redis.exceptions import RedisError

    from ..queue import get_redis

    try:
        get_redis().set(ml.job_progress_key(job_id), 0, ex=24 * 3600)
    except (RedisError, OSError):
        pass


def _add_progress(job_id, n):
    """Atomically add ``n`` done tasks; the new total, or None when Redis is unreachable."""
    from redis.exceptions import RedisError

    from ..queue import get_redis

    try:
        return int(get_redis().incrby(ml.job_progress_key(job_id), n))
    except (RedisError, OSError):
        return None


def _note_stats(session, job_id, stats):
    if not stats:
        return
    write_intent.set(True)
    # Batches finish concurrently: lock the row so no worker's counts overwrite another's.
    job = session.execute(select(Job).where(Job.id == job_id).with_for_update()).scalar_one()
    result = orjson.loads(job.result or "{}")
    for key, value in stats.items():
        result[key] = result.get(key, 0) + value
    job.result = dumps_str(result)
    session.commit()


def _finish(session, job_id, status, error=""):
    from ..queue import get_redis

    write_intent.set(True)
    values = {"status": status, "finished_at": utcnow()}
    if error:
        values["error"] = error[:2000]
    try:
        progress = get_redis().get(ml.job_progress_key(job_id))
        if progress is not None:
            values["progress"] = int(progress)
    except Exception:  # noqa: BLE001 - progress is cosmetic; the status must be written
        pass
    session.execute(update(Job).where(Job.id == job_id).values(**values))
    session.commit()
