"""The raw-SQL hot path for /next and submits (services/hot_path.py) against the general path.

The same scenario runs with ``HOT_PATH`` on and off on fresh projects; responses and stored
rows must match. The cases the submit hands over (webhooks, retried keys) must behave as the
general path does. Gold and balanced streams run on the hot path too (tests/service/test_quality_stream.py).
"""
import pytest
from sqlalchemy import select

from worker.extensions import db
from worker.models import Annotation, Project, Task, TaskLock, WebhookDelivery

from .factories import TEXT_CONFIG, make_user

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]
VOLATILE = {"id", "created_at", "updated_at", "project", "task", "completed_by", "inner_id"}


def _strip(d):
    return {k: v for k, v in d.items() if k not in VOLATILE}


def _scenario(app, client, hot, sampling="Sequential sampling"):
    app.config["HOT_PATH"] = hot
    owner = make_user(app, client)
    a, b = make_user(app, client), make_user(app, client)
    pid = owner.post("/api/projects", json={"title": "p", "label_config": TEXT_CONFIG, "maximum_annotations": 2,
                                            "sampling": sampling}).get_json()["id"]
    for u in (a, b):
        assert owner.post(f"/api/projects/{pid}/members", json={"user": u.user_id, "role": "annotator"}).status_code == 201
    owner.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(3)])
    seen = []
    for step in range(8):
        who = (a, b)[step % 2]
        resp = who.get(f"/api/projects/{pid}/next")
        if resp.status_code == 404:
            seen.append(("none", resp.get_json()["error"]))
            continue
        task = resp.get_json()
        body = {"result": RESULT if step != 2 else [], "lead_time": 2.5, "was_cancelled": step == 2}
        sub = who.post(f"/api/tasks/{task['id']}/annotations", json=body, headers={"Idempotency-Key": f"s{step}"})
        assert sub.status_code == 201, sub.get_json()
        seen.append((_strip(task), _strip(sub.get_json())))
    with app.app_context():
        project = db.session.get(Project, pid)
        tasks = [(t.inner_id, t.total_annotations, t.cancelled_annotations, t.is_labeled)
                 for t in db.session.execute(select(Task).where(Task.project_id == pid).order_by(Task.id)).scalars()]
        anns = [(a_.result, a_.was_cancelled, a_.lead_time, a_.idempotency_key)
                for a_ in db.session.execute(select(Annotation).order_by(Annotation.id)).scalars()]
        locks = db.session.execute(select(TaskLock)).scalars().all()
        return seen, tasks, anns, (project.total_annotations, len(locks))


@pytest.mark.parametrize("sampling", ["Sequential sampling", "Uncertainty sampling"])
def test_hot_path_matches_the_general_path(app, client, sampling):
    hot = _scenario(app, client, True, sampling)
    with app.app_context():
        for model in (Annotation, TaskLock, Task, Project):
            db.session.execute(model.__table__.delete())
        db.session.commit()
    general = _scenario(app, client, False, sampling)
    assert hot == general
    seen, tasks, _, (total, locks) = hot
    assert seen[-1] == ("none", "no_more_tasks")
    assert tasks == [(1, 2, 0, True), (2, 1, 1, False), (3, 2, 0, True)] and total == 5 and locks == 0


def test_hot_path_errors_and_handovers(app, client):
    owner = make_user(app, client)
    ann, stranger = make_user(app, client), make_user(app, client)
    pid = owner.post("/api/projects", json={"title": "p", "label_config": TEXT_CONFIG}).get_json()["id"]
    owner.post(f"/api/projects/{pid}/members", json={"user": ann.user_id, "role": "annotator"})
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}, {"text": "b"}])

    # Errors name the problem, as on the general path.
    bad = client.get(f"/api/projects/{pid}/next", headers={"Authorization": "Token nope"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "not_authenticated"
    assert stranger.get(f"/api/projects/{pid}/next").status_code == 404
    tid = ann.get(f"/api/projects/{pid}/next").get_json()["id"]
    assert stranger.post(f"/api/tasks/{tid}/annotations", json={"result": RESULT}).status_code == 404
    # Who may submit is checked before the body is read.
    assert stranger.post(f"/api/tasks/{tid}/annotations", data="{oops", content_type="application/json").status_code == 404
    nobody = client.post(f"/api/tasks/{tid}/annotations", data="{oops", headers={"Authorization": "Token nope"})
    assert nobody.status_code == 401
    assert ann.post(f"/api/tasks/{tid}/annotations", data="{oops", content_type="application/json").status_code == 400
    wrong = ann.post(f"/api/tasks/{tid}/annotations", json={"result": [{"from_name": "nope", "type": "choices"}]})
    assert wrong.status_code == 400 and "nope" in wrong.get_json()["detail"]
    assert ann.post("/api/tasks/999999/annotations", json={"result": RESULT}).status_code == 404

    # A retried key: the first annotation comes back (200), nothing is added.
    first = ann.post(f"/api/tasks/{tid}/annotations", json={"result": RESULT}, headers={"Idempotency-Key": "k"})
    again = ann.post(f"/api/tasks/{tid}/annotations", json={"result": RESULT}, headers={"Idempotency-Key": "k"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]

    # A webhook: the general path answers and the delivery is recorded.
    app.config["FETCH_ALLOW"] = ["127.0.0.1"]
    assert owner.post("/api/webhooks", json={"project": pid, "url": "http://127.0.0.1:9/hook"}).status_code == 201
    tid2 = ann.get(f"/api/projects/{pid}/next").get_json()["id"]
    assert tid2 != tid
    assert ann.post(f"/api/tasks/{tid2}/annotations", json={"result": RESULT}).status_code == 201
    with app.app_context():
        actions = [d.action for d in db.session.execute(select(WebhookDelivery)).scalars()]
        assert actions.count("ANNOTATION_CREATED") == 1
        assert db.session.get(Project, pid).total_annotations == 2
    assert ann.get(f"/api/projects/{pid}/next").get_json()["error"] == "no_more_tasks"


def test_gold_tasks_on_the_hot_path(app, client):
    owner = make_user(app, client)
    pid = owner.post("/api/projects", json={"title": "p", "label_config": TEXT_CONFIG}).get_json()["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}])
    with app.app_context():
        db.session.execute(Task.__table__.update().values(is_gold=True))
        db.session.execute(Project.__table__.update().values(gold_rate=1.0))
        db.session.commit()
    # Gold tasks are served only by the stream's gold draw, which the hot path runs as well.
    assert owner.get(f"/api/projects/{pid}/next").get_json()["data"] == {"text": "a"}
    app.config["HOT_PATH"] = False
    assert owner.get(f"/api/projects/{pid}/next").get_json()["data"] == {"text": "a"}  # still held by the owner
