"""A worker killed with ``kill -9`` in the middle of training leaves no half-written model,
and the job completes on another worker. Real processes: ``labelart worker`` on a real Redis."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from ml_backend.store import ModelStore
from tests.service.factories import make_project, make_user
from worker.extensions import db
from worker.models import TrainingRun

from .conftest import annotate, choice, upload

LABELART = Path(sys.executable).with_name("labelart")


def _worker(app, log):
    env = {**os.environ, "LABELART_DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"],
           "REDIS_URL": app.config["REDIS_URL"], "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen([str(LABELART), "worker", "--queues", "ml"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _children(pid):
    """Pids whose parent is ``pid`` (RQ's work horse runs in a session of its own)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _kill_9(proc):
    """SIGKILL a worker and its work horse at once, as a crashed host would lose them."""
    for pid in [proc.pid, *_children(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _run(app, run_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(TrainingRun, run_id)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_kill_9_mid_training_then_another_worker_finishes(app, client, shapes, tmp_path):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, config=shapes["config"])["id"]
    ids = upload(owner, pid, shapes["files"][:160])
    backend = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier",
                                          "extra_params": {"epochs": 60}}).get_json()
    for task_id, label in zip(ids[:150], shapes["labels"][:150]):
        annotate(owner, task_id, choice("shape", "image", label))
    started = owner.post(f"/api/ml/{backend['id']}/train").get_json()
    run_id = started["training_run"]["id"]
    store = ModelStore(Path(app.config["DATA_DIR"]) / "ml", f"backend-{backend['id']}")

    log_a = open(tmp_path / "worker-a.log", "wb")
    first = _worker(app, log_a)
    try:
        _wait(lambda: _run(app, run_id).status == "running", 120, "training to start")
        time.sleep(4)  # well into the epochs
        assert store.versions() == [] and _children(first.pid)
        _kill_9(first)
    finally:
        if first.poll() is None:
            _kill_9(first)
    # Nothing half-written: no version, the run still says running, the job waits in RQ's registry.
    assert store.versions() == [] and store.load() is None
    assert _run(app, run_id).status == "running"
    conn = Redis.from_url(app.config["REDIS_URL"])
    registry = StartedJobRegistry(queue=Queue("ml", connection=conn))
    assert len(registry.get_job_ids()) == 1
    # RQ notices an abandoned job when its heartbeat lapses (at most ~90 s); a worker starting
    # after that cleans the registry and, since the job has retries left, runs it again.
    _wait(lambda: registry.get_expired_job_ids(), 150, "the dead worker's heartbeat to lapse")

    log_b = open(tmp_path / "worker-b.log", "wb")
    second = _worker(app, log_b)
    try:
        _wait(lambda: _run(app, run_id).status in ("completed", "failed"), 240, "the retried training")
    finally:
        second.terminate()
        second.wait(timeout=60)
    run = _run(app, run_id)
    assert run.status == "completed", (run.error, (tmp_path / "worker-b.log").read_text()[-3000:])
    assert run.model_version == "image_classifier.v1" and store.versions() == [1]
    tensors, meta = store.load()
    assert meta["labels"] == ["circle", "square", "triangle"] and meta["metrics"]["train"] > 100
    with app.app_context():
        runs = db.session.execute(select(TrainingRun).where(TrainingRun.ml_backend_id == backend["id"],
                                                            TrainingRun.status != "observed")).scalars().all()
        assert [r.id for r in runs] == [run_id]  # the same run finished, not a second one
