"""The service side: attaching backends, batched predictions through RQ, training rounds,
online learning, uncertainty sampling and media tokens, on SQLite and MariaDB."""
import time

import pytest

from tests.service.factories import TEXT_CONFIG, add_member, make_project, make_user
from worker.extensions import db
from worker.models import MLBackend, Task
from worker.services import ml as svc

from .conftest import annotate, choice, upload, work


def _project(api, shapes, n=60):
    pid = make_project(api, config=shapes["config"])["id"]
    ids = upload(api, pid, shapes["files"][:n])
    return pid, ids


def test_bundled_models_are_filtered_by_config(app, client, shapes):
    owner = make_user(app, client, "owner")
    img = make_project(owner, config=shapes["config"])["id"]
    txt = make_project(owner, config=TEXT_CONFIG)["id"]
    assert [m["name"] for m in owner.get(f"/api/projects/{img}/ml/models").get_json()["models"]] == ["image_classifier"]
    assert [m["name"] for m in owner.get(f"/api/projects/{txt}/ml/models").get_json()["models"]] == ["text_classifier"]
    resp = owner.post("/api/ml", json={"project": txt, "model_name": "image_classifier"})
    assert resp.status_code == 400 and "cannot serve" in resp.get_json()["detail"]
    resp = owner.post("/api/ml", json={"project": img, "model_name": "nope"})
    assert resp.status_code == 400 and "model_name must be one of" in resp.get_json()["detail"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://169.254.169.254/latest", "http://[::1]:9090",
                                 "file:///etc/passwd"])
def test_external_backend_urls_are_ssrf_guarded(app, client, url):
    owner = make_user(app, client, "owner")
    pid = make_project(owner)["id"]
    resp = owner.post("/api/ml", json={"project": pid, "url": url, "title": "x"})
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"] in ("fetch_blocked", "validation_error")
    with app.app_context():
        assert db.session.query(MLBackend).count() == 0


def test_unreachable_backend_is_refused_with_its_error(app, client):
    app.config["FETCH_ALLOW"] = ["127.0.0.1"]
    owner = make_user(app, client, "owner")
    pid = make_project(owner)["id"]
    resp = owner.post("/api/ml", json={"project": pid, "url": "http://127.0.0.1:9", "title": "down"})
    assert resp.status_code == 502
    body = resp.get_json()
    assert body["error"] == "ml_backend_error" and "/health" in body["detail"]


@pytest.mark.parametrize("role,status", [("annotator", 403), ("reviewer", 403), (None, 404)])
def test_only_managers_attach_or_train(app, client, shapes, role, status):
    owner = make_user(app, client, "owner")
    other = make_user(app, client, "other")
    pid = make_project(owner, config=shapes["config"])["id"]
    if role:
        add_member(app, pid, other, role)
    assert other.post("/api/ml", json={"project": pid, "model_name": "image_classifier"}).status_code == status
    backend = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier"}).get_json()
    assert other.post(f"/api/ml/{backend['id']}/train").status_code == status
    assert other.delete(f"/api/ml/{backend['id']}").status_code == status
    assert other.patch(f"/api/ml/{backend['id']}", json={"train_every": 1}).status_code == status


@pytest.mark.slow
def test_train_predict_and_uncertainty_stream(app, client, shapes):
    owner = make_user(app, client, "owner")
    pid, ids = _project(owner, shapes, 120)
    resp = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier", "uncertainty": "margin"})
    assert resp.status_code == 201, resp.get_json()
    backend = resp.get_json()
    assert backend["state"] == "CONNECTED" and backend["model_version"] == "image_classifier.initial"
    assert [b["id"] for b in owner.get(f"/api/ml?project={pid}").get_json()] == [backend["id"]]
    for task_id, label in zip(ids[:100], shapes["labels"][:100]):
        annotate(owner, task_id, choice("shape", "image", label))

    resp = owner.post(f"/api/ml/{backend['id']}/train")
    assert resp.status_code == 202
    job = resp.get_json()["job"]
    work(app)
    done = owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()
    assert done["status"] == "completed", done
    versions = owner.get(f"/api/ml/{backend['id']}/versions").get_json()
    run = next(r for r in versions["runs"] if r["status"] == "completed")
    assert versions["current"] == run["model_version"] == "image_classifier.v1"
    assert run["metrics"]["held_out"] > 0 and run["metrics"]["accuracy"] >= 0.7
    assert run["annotation_count"] == 100

    # Training re-predicted the unlabeled tasks, each with model_version and a score.
    preds = owner.get(f"/api/predictions?project={pid}&page_size=1000").get_json()
    assert {p["task"] for p in preds} == set(ids[100:])
    assert all(p["model_version"] == "image_classifier.v1" and 0 <= p["score"] <= 1 for p in preds)
    by_task = {p["task"]: p for p in preds}
    right = sum(by_task[t]["result"][0]["value"]["choices"][0] == label
                for t, label in zip(ids[100:], shapes["labels"][100:120]))
    assert right >= 0.7 * 20

    # Uncertainty sampling serves the least sure task first.
    owner.patch(f"/api/projects/{pid}", json={"sampling": "Uncertainty sampling"})
    least = min(preds, key=lambda p: (p["score"], p["task"]))
    assert owner.get(f"/api/projects/{pid}/next").get_json()["id"] == least["task"]

    # Predict a selection again: replaces, does not pile up.
    resp = owner.post(f"/api/projects/{pid}/ml/predict", json={"task_ids": ids[100:105]})
    assert resp.status_code == 202
    work(app)
    status = owner.get(f"/api/projects/{pid}/ml/jobs/{resp.get_json()['id']}").get_json()
    assert status["status"] == "completed" and status["progress"] == status["total"] == 5
    assert status["result"]["written"] == 5
    assert len(owner.get(f"/api/predictions?task={ids[100]}").get_json()) == 1


def test_predict_request_validation(app, client, shapes):
    owner = make_user(app, client, "owner")
    pid, ids = _project(owner, shapes, 3)
    assert owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True}).get_json()["detail"] == \
        "this project has no ML backend"
    owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier"})
    other = make_project(owner, config=shapes["config"])["id"]
    resp = owner.post(f"/api/projects/{other}/ml/predict", json={"all": True})
    assert resp.status_code == 400
    resp = owner.post(f"/api/projects/{pid}/ml/predict", json={"task_ids": [ids[0], 999999]})
    assert resp.status_code == 400 and "999999" in resp.get_json()["detail"]
    resp = owner.post(f"/api/projects/{pid}/ml/predict", json={"task_ids": "all"})
    assert resp.status_code == 400 and "task_ids" in resp.get_json()["detail"]
    assert owner.get(f"/api/projects/{pid}/ml/jobs/123456").status_code == 404


def test_imports_are_predicted_and_annotations_trigger_training(app, client, shapes):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, config=shapes["config"])["id"]
    backend = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier", "train_every": 4,
                                          "extra_params": {"epochs": 2}}).get_json()
    ids = upload(owner, pid, shapes["files"][:6])
    with app.app_context():
        from worker.models import Job
        from sqlalchemy import select

        jobs = db.session.execute(select(Job).where(Job.project_id == pid)).scalars().all()
        assert [(j.kind, j.total) for j in jobs] == [("ml_predict", None)]
    for task_id, label in zip(ids[:3], shapes["labels"][:3]):
        annotate(owner, task_id, choice("shape", "image", label))
    assert get_queue_len(app) == 1  # the import's predict job only: 3 < train_every
    annotate(owner, ids[3], choice("shape", "image", shapes["labels"][3]))
    annotate(owner, ids[4], choice("shape", "image", shapes["labels"][4]))  # debounced: still one round
    assert get_queue_len(app) == 2
    work(app)
    versions = owner.get(f"/api/ml/{backend['id']}/versions").get_json()["runs"]
    assert versions[0]["status"] in ("completed", "skipped") and versions[0]["annotation_count"] == 5
    assert owner.get(f"/api/ml/{backend['id']}").get_json()["annotations_at_last_train"] == 5


def get_queue_len(app):
    from worker.queue import get_queue

    with app.app_context():
        return len(get_queue("ml"))


def test_annotations_are_saved_when_redis_is_down(app, client, shapes):
    owner = make_user(app, client, "owner")
    pid, ids = _project(owner, shapes, 2)
    owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier", "train_every": 1})
    app.config["REDIS_URL"] = "redis://127.0.0.1:1"
    app.extensions.pop("labelart_redis", None)
    annotate(owner, ids[0], choice("shape", "image", shapes["labels"][0]))
    resp = owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True})
    assert resp.status_code == 202 and resp.get_json()["status"] == "pending"


def test_media_token_is_scoped_and_expires(app, client, shapes):
    owner = make_user(app, client, "owner")
    pid, ids = _project(owner, shapes, 1)
    other, other_ids = _project(owner, shapes, 1)
    url = owner.get(f"/api/tasks/{ids[0]}").get_json()["data"]["image"]
    other_url = owner.get(f"/api/tasks/{other_ids[0]}").get_json()["data"]["image"]
    with app.test_request_context():
        token = svc.media_token(pid)
        expired = svc.media_token(pid, ttl=-1)
    assert client.get(url).status_code in (401, 404)
    resp = client.get(f"{url}?token={token}")
    assert resp.status_code == 200 and resp.data == shapes["files"][0].read_bytes()
    assert client.get(url, headers={"Authorization": f"Token {token}"}).status_code == 200
    assert client.get(f"{other_url}?token={token}").status_code in (401, 404)
    assert client.get(f"{url}?token={expired}").status_code in (401, 404)
    forged = token[:-2] + ("00" if token[-2:] != "00" else "11")
    assert client.get(f"{url}?token={forged}").status_code in (401, 404)


def test_model_panel_page(app, client, shapes):
    from worker.models import TrainingRun
    from worker.jsonio import dumps_str

    owner = make_user(app, client, "owner")
    pid = make_project(owner, config=shapes["config"])["id"]
    backend = owner.post("/api/ml", json={"project": pid, "model_name": "image_classifier"}).get_json()
    with app.app_context():
        for n, acc in ((20, 0.55), (60, 0.8), (120, 0.95)):
            db.session.add(TrainingRun(ml_backend_id=backend["id"], status="completed", annotation_count=n,
                                       model_version=f"image_classifier.v{n}",
                                       metrics=dumps_str({"accuracy": acc, "train": n, "held_out": n // 5})))
        db.session.commit()
    annotator = make_user(app, client, "annotator")
    add_member(app, pid, annotator, "annotator")
    client.post("/user/login", data={"username": "annotator", "password": "password-123"})
    assert client.get(f"/projects/{pid}/models").status_code == 403
    client.post("/user/login", data={"username": "owner", "password": "password-123"})
    page = client.get(f"/projects/{pid}/models")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Image classifier (small CNN)" in html and "image_classifier.v120" in html
    assert "95.0%" in html and "<svg class=\"ml-chart\"" in html and html.count("<circle") == 3
    assert 'data-action="train"' in html and 'data-action="predict"' in html
    assert '<meta name="csrf-token" content="' in html
