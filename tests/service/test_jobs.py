"""Background imports and exports run by a real RQ worker on a real Redis."""
import io
import time

import orjson
from rq import SimpleWorker
from sqlalchemy import func, select

from worker.extensions import db
from worker.models import Task
from worker.queue import get_queue, get_redis

from .factories import make_project, make_user


def _work(app):
    with app.app_context():
        queues = [get_queue(n) for n in ("imports", "exports", "webhooks", "default")]
        SimpleWorker(queues, connection=get_redis()).work(burst=True)


def test_background_import_then_export(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner)["id"]
    tasks = [{"data": {"text": f"t{i}"}, "annotations": [{"result": []}]} for i in range(12_000)]
    body = orjson.dumps(tasks)
    resp = owner.post(f"/api/projects/{pid}/import?async=true", data=body, content_type="application/json")
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert job["status"] == "queued"
    _work(app)
    status = owner.get(job["url"]).get_json()
    assert status["status"] == "completed", status
    assert status["result"]["task_count"] == 12_000 and status["progress"] == 12_000
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Task)).scalar_one() == 12_000

    resp = owner.post(f"/api/projects/{pid}/exports", json={"exportType": "JSON"})
    assert resp.status_code == 201
    export = resp.get_json()
    assert owner.get(export["download_url"]).status_code == 404  # not ready yet
    _work(app)
    done = owner.get(f"/api/projects/{pid}/exports/{export['id']}").get_json()
    assert done["status"] == "completed" and done["result"]["task_count"] == 12_000
    data = orjson.loads(owner.get(export["download_url"]).data)
    assert [t["data"]["text"] for t in data[:3]] == ["t0", "t1", "t2"] and len(data) == 12_000
    assert [e["id"] for e in owner.get(f"/api/projects/{pid}/exports").get_json()] == [export["id"]]


def test_background_import_failure_is_reported_and_atomic(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner)["id"]
    tasks = [{"text": f"t{i}"} for i in range(7000)] + [{"wrong": 1}]
    resp = owner.post(f"/api/projects/{pid}/import?async=1",
                      data={"file": (io.BytesIO(orjson.dumps(tasks)), "tasks.json")},
                      content_type="multipart/form-data")
    assert resp.status_code == 202
    _work(app)
    status = owner.get(resp.get_json()["url"]).get_json()
    assert status["status"] == "failed" and status["error"].startswith("task 7000: data has no 'text'")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Task)).scalar_one() == 0
    stranger = make_user(app, client, "stranger")
    assert stranger.get(resp.get_json()["url"]).status_code == 404


def test_annotations_accepted_while_redis_is_down(app, client):
    """The database is the source of truth: with the queue unreachable, submits still work."""
    owner = make_user(app, client, "owner")
    pid = make_project(owner)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}])
    tid = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"][0]["id"]
    # A webhook makes the submit queue a delivery, so the unreachable queue is really touched.
    app.config["FETCH_ALLOW"] = ["127.0.0.1"]
    hook = owner.post("/api/webhooks", json={"project": pid, "url": "http://127.0.0.1:9/hook"})
    assert hook.status_code == 201, hook.get_json()
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions.pop("labelart_redis", None)
    started = time.monotonic()
    resp = owner.post(f"/api/tasks/{tid}/annotations", json={"result": []})
    assert resp.status_code == 201
    assert time.monotonic() - started < 10
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["queue"].startswith("DOWN")
    assert health.get_json()["database"] == "UP"
    with app.app_context():
        from worker.models import WebhookDelivery

        pending = db.session.execute(select(WebhookDelivery.action, WebhookDelivery.status)).all()
    assert ("ANNOTATION_CREATED", "pending") in pending  # kept for requeue_pending once Redis is back
