"""Compatibility both ways with Label Studio's ML-backend protocol, over real HTTP.

(a) A backend written with Label Studio's SDK (``label-studio-ml`` from PyPI, in its own venv
    since it pins Flask 1.x) runs as a real server and plugs into Label.Art unchanged, fetching
    task media with the scoped token Label.Art hands it in /setup.
(b) A Label.Art backend answers the exact requests Label Studio sends (payloads from
    shared/REFERENCE.md), with basic auth, and serves Label.Art over HTTP too.
"""
import base64
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import urllib3
from werkzeug.serving import make_server

from ml_backend.server import create_app as backend_app
from tests.service.factories import make_project, make_user

from .conftest import annotate, choice, upload, work

ROOT = Path(__file__).resolve().parents[2]
LS_VENV = ROOT / ".stamps" / "lsml-venv"
#: Label Studio's SDK as published; rq is imported by it but not declared.
LS_PACKAGES = ["label-studio-ml==1.0.9", "rq==1.10.1"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backend exited with {proc.returncode}")
        try:
            if urllib3.request("GET", url, timeout=1, retries=False).status in (200, 401):
                return
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="session")
def ls_python():
    """Python of a venv holding Label Studio's SDK (made once, kept under .stamps/)."""
    python = LS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *LS_PACKAGES], check=True)
    return python


@pytest.fixture
def live(app):
    """Label.Art served over real HTTP (backends fetch media from it)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config.update(PUBLIC_URL=url, FETCH_ALLOW=["127.0.0.1"])
    yield url
    server.shutdown()


def _serve(cmd, cwd, env, tmp_path):
    port = _free_port()
    log = open(tmp_path / f"backend-{port}.log", "wb")
    proc = subprocess.Popen([*cmd, str(port)] if cmd[-1] == "_wsgi.py" else [*cmd, "--port", str(port)],
                            cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_up(f"http://127.0.0.1:{port}/health", proc)
    except RuntimeError:
        proc.kill()
        raise
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_label_studio_sdk_backend_plugs_in_unchanged(app, client, live, shapes, ls_python, tmp_path):
    proc, url = _serve([str(ls_python), "_wsgi.py"], ROOT / "tests" / "ml" / "ls_sdk",
                       {"HOME": str(tmp_path), "PYTHONPATH": ""}, tmp_path)
    try:
        owner = make_user(app, client, "owner")
        pid = make_project(owner, config=shapes["config"])["id"]
        ids = upload(owner, pid, shapes["files"][:5])
        resp = owner.post("/api/ml", json={"project": pid, "url": url, "title": "LS SDK"})
        assert resp.status_code == 201, resp.get_json()
        backend = resp.get_json()
        assert backend["state"] == "CONNECTED" and backend["model_version"] == "INITIAL"
        job = owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True}).get_json()
        work(app)
        status = owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()
        assert status["status"] == "completed" and status["result"]["written"] == 5, status
        preds = owner.get(f"/api/predictions?project={pid}").get_json()
        # 0.064: the backend opened each 64-pixel image it fetched with the media token.
        assert sorted(p["task"] for p in preds) == ids
        assert all(p["score"] == 0.064 and p["model_version"] == "width-1" for p in preds)
        assert preds[0]["result"][0]["value"] == {"choices": ["square"]}
        train = owner.post(f"/api/ml/{backend['id']}/train").get_json()
        work(app)
        assert owner.get(f"/api/projects/{pid}/ml/jobs/{train['job']['id']}").get_json()["status"] == "completed"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_label_art_server_as_external_backend_with_basic_auth(app, client, live, shapes, tmp_path):
    env = {"LABEL_ART_ML_MODEL": "image_classifier", "LABEL_ART_ML_DATA_DIR": str(tmp_path / "ml"),
           "LABEL_ART_ML_PARAMS": '{"epochs": 25}', "BASIC_AUTH_USER": "ml", "BASIC_AUTH_PASS": "s3cret"}
    proc, url = _serve([sys.executable, "-m", "ml_backend"], ROOT, env, tmp_path)
    try:
        owner = make_user(app, client, "owner")
        pid = make_project(owner, config=shapes["config"])["id"]
        ids = upload(owner, pid, shapes["files"][:110])
        resp = owner.post("/api/ml", json={"project": pid, "url": url, "title": "no password"})
        assert resp.status_code == 502 and "401" in resp.get_json()["detail"]
        resp = owner.post("/api/ml", json={"project": pid, "url": url, "title": "Label.Art server",
                                           "auth_method": "BASIC_AUTH", "basic_auth_user": "ml",
                                           "basic_auth_pass": "s3cret"})
        assert resp.status_code == 201, resp.get_json()
        backend = resp.get_json()
        assert "basic_auth_pass" not in backend and backend["model_version"] == "image_classifier.initial"
        for task_id, label in zip(ids[:100], shapes["labels"][:100]):
            annotate(owner, task_id, choice("shape", "image", label))
        owner.post(f"/api/ml/{backend['id']}/train")
        work(app)  # sends START_TRAINING with the annotated tasks; the server trains in the background
        deadline = time.monotonic() + 120
        while owner.get(f"/api/ml/{backend['id']}").get_json()["model_version"] != "image_classifier.v1":
            assert time.monotonic() < deadline, "the backend never finished training"
            time.sleep(1)
            job = owner.post(f"/api/projects/{pid}/ml/predict", json={"task_ids": ids[100:]}).get_json()
            work(app)
        status = owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()
        assert status["status"] == "completed" and status["result"]["written"] == 10, status
        preds = {p["task"]: p for p in owner.get(f"/api/predictions?project={pid}").get_json()}
        right = sum(preds[t]["result"][0]["value"]["choices"][0] == y
                    for t, y in zip(ids[100:], shapes["labels"][100:110]))
        assert right >= 7 and all(p["model_version"] == "image_classifier.v1" for p in preds.values())
    finally:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- (b) exact Label Studio requests

CONFIG = ('<View><Image name="image" value="$image"/><Choices name="shape" toName="image" choice="single">'
          '<Choice value="circle"/><Choice value="square"/><Choice value="triangle"/></Choices></View>')


def test_label_art_backend_answers_label_studio_requests(shapes, tmp_path):
    app = backend_app(model="image_classifier", data_dir=str(tmp_path), params={"epochs": 3},
                      basic_auth=("user", "pw"), media_root=str(shapes["dir"]))
    c = app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(b"user:pw").decode()}
    assert c.get("/health").status_code == 401
    assert c.get("/health", headers={"Authorization": "Basic " + base64.b64encode(b"user:no").decode()}).status_code == 401
    for path in ("/", "/health"):
        resp = c.get(path, headers=auth)
        assert resp.status_code == 200 and resp.get_json() == {"status": "UP", "model_class": "ImageClassifier",
                                                              "model_name": "image_classifier"}
    # Label Studio's /setup (ml/api_connector.py): project "<id>.<created_at>", schema, hostname, token.
    setup = {"project": "7.1700000000", "schema": CONFIG, "hostname": "http://localhost:8080",
             "access_token": "abc", "model_version": None, "extra_params": {}}
    resp = c.post("/setup", json=setup, headers=auth)
    assert resp.status_code == 200 and resp.get_json() == {"model_version": "image_classifier.initial"}
    tasks = [{"id": i + 1, "data": {"image": t["data"]["image"]}, "meta": {}, "annotations": [],
              "predictions": []} for i, t in enumerate(shapes["tasks"][:4])]
    predict = {"tasks": tasks, "project": "7.1700000000", "label_config": CONFIG,
               "params": {"login": None, "password": None, "context": None}}
    resp = c.post("/predict", json=predict, headers=auth)
    assert resp.status_code == 200
    assert resp.get_json()["results"] == [{"result": [], "score": None, "model_version": "image_classifier.initial"}] * 4
    # Webhooks as Label Studio sends them: annotations one by one, then START_TRAINING.
    for i, t in enumerate(shapes["tasks"][:30]):
        payload = {"action": "ANNOTATION_CREATED",
                   "annotation": {"id": 100 + i, "task": i + 1, "result": t["annotations"][0]["result"],
                                  "was_cancelled": False, "ground_truth": False, "completed_by": 1},
                   "task": {"id": i + 1, "data": {"image": t["data"]["image"]}},
                   "project": {"id": 7, "title": "p", "label_config": CONFIG}}
        resp = c.post("/webhook", json=payload, headers=auth)
        assert resp.status_code == 201 and resp.get_json() == {"status": "ok", "result": {"examples": i + 1}}
    resp = c.post("/webhook", json={"action": "START_TRAINING", "project": {"id": 7, "label_config": CONFIG}},
                  headers=auth)
    assert resp.status_code == 201 and resp.get_json()["result"] == {"status": "training", "examples": 30}
    backend = app.extensions["labelart_ml"]
    backend.wait(timeout=120)
    assert backend.training["7"]["status"] == "ok", backend.training
    resp = c.post("/predict", json=predict, headers=auth).get_json()
    assert resp["model_version"] == "image_classifier.v1" and len(resp["results"]) == 4
    for r in resp["results"]:
        assert r["model_version"] == "image_classifier.v1" and 0 < r["score"] <= 1
        assert r["result"][0]["from_name"] == "shape" and r["result"][0]["type"] == "choices"
    resp = c.post("/webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 7}}, headers=auth)
    assert resp.status_code == 200 and resp.get_json() == {"status": "Unknown event"}
    # The older /train with annotations.
    train = {"annotations": [{"id": 1, "result": shapes["tasks"][0]["annotations"][0]["result"],
                              "task": {"id": 1, "data": shapes["tasks"][0]["data"]}}],
             "project": "7.1700000000", "label_config": CONFIG}
    assert c.post("/train", json=train, headers=auth).status_code == 201
    # Clear JSON errors.
    resp = c.post("/setup", json={"project": "8.1", "schema": "<View><Text name='t' value='$t'/></View>"},
                  headers=auth)
    assert resp.status_code == 400 and "Choices" in resp.get_json()["error"]
    resp = c.post("/predict", json={"tasks": "nope", "project": "7.1"}, headers=auth)
    assert resp.status_code == 400 and resp.get_json()["error"] == "tasks must be a list of task objects"
    resp = c.post("/predict", json={"tasks": [], "project": "99.1"}, headers=auth)
    assert resp.status_code == 400 and "has not been set up" in resp.get_json()["error"]
