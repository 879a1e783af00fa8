"""Webhooks end to end: the API, the outbox, RQ jobs run by a real worker, a real receiver."""
import hashlib
import hmac
import time
from datetime import datetime, timezone

import orjson
import pytest
from click.testing import CliRunner
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from worker.cli import cli
from worker.extensions import db
from worker.jobs.webhooks import deliver, flush_webhooks
from worker.models import WebhookDelivery
from worker.queue import get_redis
from worker.services.events import ACTIONS, RETRY_INTERVALS

from .factories import add_member, make_project, make_user
from .test_fetch_guard import loopback_only, receiver  # noqa: F401  (fixtures shared with the guard tests)


@pytest.fixture
def allowed(app):
    """Let deliveries reach the receiver on 127.0.0.1, as an admin would."""
    app.config["FETCH_ALLOW"] = ["127.0.0.1"]


@pytest.fixture
def manager(app, client):
    return make_user(app, client, "manager")


@pytest.fixture
def project(manager):
    return make_project(manager, title="Birds")


def make_hook(api, url, **fields):
    resp = api.post("/api/webhooks", json={"url": url, **fields})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def trigger(api, project, title="Birds 2"):
    """PATCH the project: a PROJECT_UPDATED event, delivered after commit."""
    assert api.patch(f"/api/projects/{project['id']}", json={"title": title}).status_code == 200


def webhook_queue(app):
    return Queue("webhooks", connection=get_redis())


def run_jobs(app):
    """Run every queued webhook job with a real RQ worker (in this process)."""
    with app.app_context():
        queue = webhook_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


def release_retries(app):
    """Move jobs RQ scheduled for retry back onto the queue now; returns their delays in seconds."""
    with app.app_context():
        queue = webhook_queue(app)
        registry = queue.scheduled_job_registry
        delays = []
        for job_id in registry.get_job_ids():
            when = registry.get_scheduled_time(job_id)
            delays.append((when - datetime.now(timezone.utc)).total_seconds())
            job = Job.fetch(job_id, connection=queue.connection)
            registry.remove(job)
            queue.enqueue_job(job)
        return delays


def deliveries(app):
    with app.app_context():
        rows = db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars().all()
        return [{c: getattr(r, c) for c in ("id", "webhook_id", "action", "payload", "status", "attempts",
                                             "response_status", "last_error")} for r in rows]


# ---------------------------------------------------------------- delivery

def test_delivery_is_signed_over_the_exact_body(app, client, allowed, receiver, manager, project):
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"], headers={"X-Token": "abc"})
    trigger(manager, project)
    with app.app_context():
        assert webhook_queue(app).count == 1
    run_jobs(app)

    (row,) = deliveries(app)
    assert (row["status"], row["attempts"], row["response_status"], row["last_error"]) == ("delivered", 1, 200, "")
    (seen,) = receiver.requests
    assert (seen.method, seen.path) == ("POST", "/hook")
    expected = "sha256=" + hmac.new(hook["secret"].encode(), seen.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(seen.headers["X-Labelart-Signature"], expected)
    assert seen.body == row["payload"].encode()
    body = orjson.loads(seen.body)
    assert body["action"] == "PROJECT_UPDATED" and body["project"]["title"] == "Birds 2"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["X-Labelart-Event"] == "PROJECT_UPDATED"
    assert seen.headers["X-Labelart-Delivery"] == str(row["id"])
    assert seen.headers["X-Token"] == "abc"
    assert abs(int(seen.headers["X-Labelart-Timestamp"]) - time.time()) < 60


def test_a_delivered_row_is_not_sent_twice(app, client, allowed, receiver, manager, project):
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    trigger(manager, project)
    run_jobs(app)
    (row,) = deliveries(app)
    with app.app_context():
        deliver(row["id"])
    assert len(receiver.requests) == 1
    with pytest.raises(ValueError, match="positive integer"):
        deliver("1; DROP TABLE")


def test_hooks_only_fire_for_their_actions(app, client, allowed, receiver, manager, project):
    make_hook(manager, receiver.url("/hook"), project=project["id"], send_for_all_actions=False,
              actions=["ANNOTATION_CREATED"], send_payload=False)
    trigger(manager, project)
    assert deliveries(app) == []
    make_hook(manager, receiver.url("/hook2"), project=project["id"], send_for_all_actions=False,
              actions=["PROJECT_UPDATED"], send_payload=False)
    trigger(manager, project, "again")
    run_jobs(app)
    assert [orjson.loads(r.body) for r in receiver.requests] == [{"action": "PROJECT_UPDATED"}]


def test_a_failing_receiver_is_retried_with_backoff_then_failed(app, client, allowed, receiver, manager, project):
    receiver.default = (500, {}, b"boom")
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    trigger(manager, project)
    for attempt in range(1, len(RETRY_INTERVALS) + 1):
        run_jobs(app)
        (row,) = deliveries(app)
        assert (row["status"], row["attempts"], row["response_status"]) == ("pending", attempt, 500)
        assert row["last_error"] == "receiver answered HTTP 500"
        (delay,) = release_retries(app)
        assert RETRY_INTERVALS[attempt - 1] - 5 < delay <= RETRY_INTERVALS[attempt - 1]
    run_jobs(app)
    (row,) = deliveries(app)
    assert (row["status"], row["attempts"], row["response_status"]) == ("failed", 6, 500)
    assert release_retries(app) == []
    with app.app_context():
        assert FailedJobRegistry("webhooks", connection=get_redis()).count == 1
    assert len(receiver.requests) == 6
    assert {r.headers["X-Labelart-Delivery"] for r in receiver.requests} == {str(row["id"])}


def test_a_receiver_that_recovers_gets_the_retry(app, client, allowed, receiver, manager, project):
    receiver.default = (503, {}, b"busy")
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    trigger(manager, project)
    run_jobs(app)
    receiver.default = (204, {}, b"")
    release_retries(app)
    run_jobs(app)
    (row,) = deliveries(app)
    assert (row["status"], row["attempts"], row["response_status"], row["last_error"]) == ("delivered", 2, 204, "")


def test_a_blocked_url_fails_without_retrying(app, client, allowed, receiver, manager, project):
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    app.config["FETCH_ALLOW"] = []
    trigger(manager, project)
    run_jobs(app)
    (row,) = deliveries(app)
    assert (row["status"], row["attempts"], row["response_status"]) == ("failed", 1, None)
    assert "fetch of 127.0.0.1 refused" in row["last_error"] and "loopback" in row["last_error"]
    assert release_retries(app) == []
    assert receiver.requests == []


def test_a_redirect_to_metadata_is_not_followed(app, client, allowed, receiver, manager, project):
    receiver.routes["/hook"] = (307, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    trigger(manager, project)
    run_jobs(app)
    (row,) = deliveries(app)
    assert row["status"] == "failed" and "169.254.169.254" in row["last_error"]
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_with_redis_down_deliveries_wait_for_flush(app, client, allowed, receiver, manager, project, tmp_path):
    redis_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"unix://{tmp_path}/no-redis.sock"
    app.extensions.pop("labelart_redis", None)
    make_hook(manager, receiver.url("/hook"), project=project["id"])
    trigger(manager, project)
    (row,) = deliveries(app)
    assert (row["status"], row["attempts"]) == ("pending", 0)
    runner = CliRunner()
    with app.app_context():
        down = runner.invoke(flush_webhooks)
    assert down.exit_code == 1 and "queued 0 of 1" in down.output

    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("labelart_redis", None)
    assert receiver.requests == []
    with app.app_context():
        up = runner.invoke(cli, ["flush-webhooks"])
    assert up.exit_code == 0 and "queued 1 of 1" in up.output
    run_jobs(app)
    (row,) = deliveries(app)
    assert (row["status"], row["attempts"]) == ("delivered", 1)
    assert orjson.loads(receiver.requests[0].body)["project"]["title"] == "Birds 2"


# ---------------------------------------------------------------- the API

def test_create_read_update_delete(app, client, allowed, receiver, manager, project):
    created = make_hook(manager, receiver.url("/hook"), project=project["id"], actions=["TASKS_CREATED"],
                        send_for_all_actions=False, headers={"Authorization": "Bearer x"})
    assert len(created.pop("secret")) >= 40
    assert created["project"] == project["id"] and created["url"] == receiver.url("/hook")
    assert created["actions"] == ["TASKS_CREATED"] and created["headers"] == {"Authorization": "Bearer x"}
    assert created["is_active"] is True and created["send_payload"] is True
    hook_id = created["id"]
    assert manager.get(f"/api/webhooks/{hook_id}").get_json() == created
    assert manager.get(f"/api/webhooks?project={project['id']}").get_json() == [created]
    assert manager.get("/api/webhooks/").get_json() == [created]

    resp = manager.patch(f"/api/webhooks/{hook_id}/", json={"is_active": False, "actions": ["TASKS_DELETED"],
                                                             "url": receiver.url("/other")})
    assert resp.status_code == 200
    changed = resp.get_json()
    assert (changed["is_active"], changed["actions"], changed["url"]) == (False, ["TASKS_DELETED"],
                                                                          receiver.url("/other"))
    assert "secret" not in changed
    assert manager.delete(f"/api/webhooks/{hook_id}").status_code == 204
    assert manager.get(f"/api/webhooks/{hook_id}").status_code == 404


def test_info_lists_the_actions(app, client, manager):
    info = manager.get("/api/webhooks/info").get_json()
    assert list(info) == list(ACTIONS)
    assert info["ANNOTATION_CREATED"] == {"name": "Annotation created", "key": "ANNOTATION_CREATED"}


@pytest.mark.parametrize("fields, needle", [
    ({"actions": ["ANNOTATION_CREATED", "EVERYTHING"]}, "unknown action 'EVERYTHING'"),
    ({"url": "http://10.0.0.1/hook"}, "fetch of 10.0.0.1 refused: it resolves to 10.0.0.1 (private address)"),
    ({"url": "http://169.254.169.254/"}, "link-local"),
    ({"url": "http://[::1]/"}, "loopback"),
    ({"url": "file:///etc/passwd"}, "only http and https"),
    ({"url": "gopher://example.org/"}, "only http and https"),
    ({"url": 5}, "url must be str"),
    ({"url": None}, "url is required"),
    ({"headers": {"X-Labelart-Signature": "sha256=forged"}}, "cannot be overridden"),
    ({"headers": {"Host": "evil"}}, "cannot be overridden"),
    ({"headers": {"Bad Name": "x"}}, "not a valid header name"),
    ({"headers": {"X-Ok": 1}}, "must be a string"),
    ({"headers": {"X-Ok": "a\r\nX-Injected: 1"}}, "line breaks"),
    ({"headers": ["X-Ok"]}, "headers must be dict"),
    ({"is_active": "yes"}, "is_active must be bool"),
])
def test_bad_fields_are_named(app, client, allowed, receiver, manager, project, fields, needle):
    body = {"url": receiver.url("/hook"), "project": project["id"], **fields}
    resp = manager.post("/api/webhooks", json=body)
    assert resp.status_code == 400, resp.get_json()
    assert needle in resp.get_json()["detail"]
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"])
    resp = manager.patch(f"/api/webhooks/{hook['id']}", json=fields)
    assert resp.status_code == 400 and needle in resp.get_json()["detail"]
    assert manager.get(f"/api/webhooks/{hook['id']}").get_json()["url"] == receiver.url("/hook")


def test_missing_url_is_named(app, client, manager, project):
    resp = manager.post("/api/webhooks", json={"project": project["id"]})
    assert resp.status_code == 400 and resp.get_json()["detail"] == "url is required"


def test_non_members_get_404(app, client, allowed, receiver, manager, project):
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"])
    stranger = make_user(app, client, "stranger")
    make_project(stranger, title="Theirs")
    path = f"/api/webhooks/{hook['id']}"
    assert stranger.get(path).status_code == 404
    assert stranger.patch(path, json={"url": receiver.url("/stolen")}).status_code == 404
    assert stranger.delete(path).status_code == 404
    assert stranger.get(f"/api/webhooks?project={project['id']}").status_code == 404
    assert stranger.post("/api/webhooks", json={"url": receiver.url(), "project": project["id"]}).status_code == 404
    assert stranger.get("/api/webhooks").get_json() == []
    assert manager.get(path).get_json()["url"] == receiver.url("/hook")


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_members_below_manager_get_403(app, client, allowed, receiver, manager, project, role):
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"])
    member = make_user(app, client, role)
    add_member(app, project["id"], member, role)
    path = f"/api/webhooks/{hook['id']}"
    assert member.post("/api/webhooks", json={"url": receiver.url(), "project": project["id"]}).status_code == 403
    assert member.get(path).status_code == 403
    assert member.patch(path, json={"is_active": False}).status_code == 403
    assert member.delete(path).status_code == 403
    assert member.get(f"/api/webhooks?project={project['id']}").status_code == 403
    assert member.get("/api/webhooks").get_json() == []


def test_organisation_wide_hooks_are_for_admins(app, client, allowed, receiver, manager, project):
    resp = manager.post("/api/webhooks", json={"url": receiver.url("/org")})
    assert resp.status_code == 403 and resp.get_json()["detail"] == "only administrators can do this"
    mine = make_hook(manager, receiver.url("/mine"), project=project["id"])
    assert manager.patch(f"/api/webhooks/{mine['id']}", json={"project": None}).status_code == 403

    admin = make_user(app, client, "admin", superuser=True)
    org = make_hook(admin, receiver.url("/org"))
    assert org["project"] is None
    assert manager.get(f"/api/webhooks/{org['id']}").status_code == 404
    assert manager.patch(f"/api/webhooks/{org['id']}", json={"url": receiver.url("/x")}).status_code == 404
    assert [h["id"] for h in manager.get("/api/webhooks").get_json()] == [mine["id"]]
    assert [h["id"] for h in admin.get("/api/webhooks").get_json()] == [mine["id"], org["id"]]

    trigger(manager, project)
    run_jobs(app)
    assert sorted(r.path for r in receiver.requests) == ["/mine", "/org"]


def test_moving_a_hook_needs_manager_in_the_target(app, client, allowed, receiver, manager, project):
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"])
    other = make_user(app, client, "other")
    theirs = make_project(other, title="Theirs")
    assert manager.patch(f"/api/webhooks/{hook['id']}", json={"project": theirs["id"]}).status_code == 404
    add_member(app, theirs["id"], manager, "manager")
    resp = manager.patch(f"/api/webhooks/{hook['id']}", json={"project": theirs["id"]})
    assert resp.status_code == 200 and resp.get_json()["project"] == theirs["id"]


def test_the_secret_is_only_shown_once(app, client, allowed, receiver, manager, project):
    hook = make_hook(manager, receiver.url("/hook"), project=project["id"])
    listed = manager.get("/api/webhooks").get_json()
    one = manager.get(f"/api/webhooks/{hook['id']}").get_json()
    assert hook["secret"] not in orjson.dumps([listed, one]).decode()
