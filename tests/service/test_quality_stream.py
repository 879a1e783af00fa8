"""The labeling stream's quality options: hidden gold tasks at the project's gold rate, and
"balance by field" sampling. The ordinary rules (overlap, own work) still hold."""
from sqlalchemy import select

from worker.extensions import db
from worker.models import Annotation

from .factories import add_member, make_project, make_user


def _choice(label):
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def _label_all(api, pid, limit=50):
    """Take and answer tasks until the stream is empty; returns the task ids in order."""
    seen = []
    for _ in range(limit):
        resp = api.get(f"/api/projects/{pid}/next")
        if resp.status_code == 404:
            return seen
        task = resp.get_json()
        assert "is_gold" not in task and task["annotations"] == []  # nothing gives gold away
        seen.append(task)
        assert api.post(f"/api/tasks/{task['id']}/annotations", json={"result": _choice("positive")}).status_code == 201
    raise AssertionError("the stream did not end")


def test_gold_tasks_mixed_in_at_the_gold_rate(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, overlap=1)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(6)])
    tasks = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"]
    gold_ids = [tasks[1]["id"], tasks[4]["id"]]
    for tid in gold_ids:
        assert owner.post(f"/api/tasks/{tid}/annotations", json={"result": _choice("negative")}).status_code == 201
    with app.app_context():
        answers = db.session.execute(select(Annotation.id)).scalars().all()
    assert owner.post(f"/api/projects/{pid}/gold", json={"annotations": answers}).status_code == 200
    a, b = make_user(app, client, "a"), make_user(app, client, "b")
    add_member(app, pid, a)
    add_member(app, pid, b)
    # gold_rate 0: gold tasks are never served (and the rest are shared out with overlap 1).
    first = a.get(f"/api/projects/{pid}/next").get_json()
    assert first["id"] not in gold_ids
    owner.patch(f"/api/projects/{pid}", json={"gold_rate": 1.0})
    # A held task is kept; after it, every draw is gold until this annotator has done them all.
    a.post(f"/api/tasks/{first['id']}/annotations", json={"result": _choice("positive")})
    got_a = [t["id"] for t in _label_all(a, pid)]
    assert sorted(got_a[:2]) == sorted(gold_ids) and set(got_a[2:]).isdisjoint(gold_ids)
    # Both annotators answer every gold task, whatever the overlap; ordinary tasks are not repeated.
    got_b = [t["id"] for t in _label_all(b, pid)]
    assert sorted(got_b) == sorted(gold_ids)
    assert len(set(got_a) | {first["id"]}) == 6


def test_gold_task_held_across_reloads(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, overlap=1, gold_rate=1.0)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "gold"}, {"text": "plain"}])
    gold = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"][0]["id"]
    owner.post(f"/api/tasks/{gold}/annotations", json={"result": _choice("negative")})
    owner.post(f"/api/projects/{pid}/gold", json={"tasks": [gold]})
    a = make_user(app, client, "a")
    add_member(app, pid, a)
    assert [a.get(f"/api/projects/{pid}/next").get_json()["id"] for _ in range(3)] == [gold] * 3


def test_balance_by_field_evens_out_groups(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, overlap=1)["id"]
    rows = [{"data": {"text": f"a{i}"}, "meta": {"group": "a"}} for i in range(9)]
    rows += [{"data": {"text": f"b{i}"}, "meta": {"group": "b"}} for i in range(3)]
    rows += [{"data": {"text": "no group"}}]
    owner.post(f"/api/projects/{pid}/import", json=rows)
    owner.patch(f"/api/projects/{pid}", json={"balance_field": "group"})
    order = [t["data"]["text"][0] for t in _label_all(owner, pid)]
    # The group with fewer labeled tasks goes first until it runs out; tasks without the field last.
    assert order == ["a", "b", "a", "b", "a", "b", "a", "a", "a", "a", "a", "a", "n"]
