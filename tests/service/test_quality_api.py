"""Quality API end to end: agreement with hand-known values, access rules, the synthetic
under-represented and mislabeled group, gold answers, consensus export, review rule, settings."""
import orjson
import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from worker.extensions import db
from worker.models import Annotation, Task, User
from worker.queue import get_queue, get_redis

from .factories import TEXT_CONFIG, add_member, make_project, make_user


def _choice(label):
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def _work(app):
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=get_redis()).work(burst=True)


@pytest.fixture
def team(app, client):
    owner = make_user(app, client, "owner")
    pid = make_project(owner, overlap=3)["id"]
    people = {"owner": owner, "pid": pid}
    for name, role in (("ann_a", "annotator"), ("ann_b", "annotator"), ("ann_c", "annotator"),
                       ("rev", "reviewer")):
        people[name] = make_user(app, client, name)
        add_member(app, pid, people[name], role)
    people["stranger"] = make_user(app, client, "stranger")
    return people


def _import(api, pid, rows):
    resp = api.post(f"/api/projects/{pid}/import", json=rows)
    assert resp.status_code == 201, resp.get_json()


def test_agreement_by_hand_and_access(app, client, team):
    pid, a, b, c = team["pid"], team["ann_a"].user_id, team["ann_b"].user_id, team["ann_c"].user_id
    # Task 1: all agree (1.0). Task 2: a and b agree, c not (1/3). Task 3: a and b only, disagree (0).
    plan = [("positive", "positive", "positive"), ("positive", "positive", "negative"), ("positive", "negative", None)]
    rows = []
    for i, labels in enumerate(plan):
        anns = [{"result": _choice(lab), "completed_by": who} for lab, who in zip(labels, (a, b, c)) if lab]
        rows.append({"data": {"text": f"t{i}"}, "annotations": anns})
    _import(team["owner"], pid, rows)
    assert team["stranger"].get(f"/api/projects/{pid}/quality").status_code == 404
    assert team["ann_a"].get(f"/api/projects/{pid}/quality").status_code == 403
    assert team["ann_a"].get(f"/api/projects/{pid}/balance").status_code == 403
    resp = team["rev"].get(f"/api/projects/{pid}/quality")
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    s = report["summary"]
    assert s["tasks_with_agreement"] == 3 and s["mean_agreement"] == pytest.approx((1 + 1 / 3 + 0) / 3, abs=1e-4)
    assert s["agreement_histogram"]["counts"] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    pairs = {(p["a_username"], p["b_username"]): p for p in report["pairs"]}
    assert pairs[("ann_a", "ann_b")]["agreement"] == pytest.approx(2 / 3, abs=1e-4)
    assert pairs[("ann_a", "ann_c")]["tasks"] == 2 and pairs[("ann_a", "ann_c")]["agreement"] == 0.5
    by_name = {x["username"]: x for x in report["annotators"]}
    # a pairs: (ab 1, ac 1, ab 1, ac 0, ab 0) -> 3/5; c: (1, 0) -> 1/2.
    assert by_name["ann_a"]["agreement"] == 0.6 and by_name["ann_c"]["agreement"] == 0.5
    # Leave-one-out consensus: on task 2, c disagrees with a and b who agree -> c has 1 error of 2.
    assert by_name["ann_c"]["consensus_error"]["errors"] == 1
    ctl = report["controls"]["sentiment"]
    assert ctl["kind"] == "class" and ctl["items"] == 3 and ctl["fleiss_items"] == 2
    assert ctl["krippendorff_alpha"] == pytest.approx(_alpha_by_hand(), abs=1e-4)
    assert report["confusion"]["labels"] == ["negative", "positive"]
    # Pairs counted both ways: p-p 3 + 1 + 0 pairs -> 8, p-n 0 + 2 + 1 -> 3 each way.
    assert report["confusion"]["matrix"] == [[0, 3], [3, 8]]
    for bad in ("min_share=2", "min_share=x", "fields=a;drop"):
        resp = team["rev"].get(f"/api/projects/{pid}/quality?{bad}")
        assert resp.status_code == 400 and resp.get_json()["error"] == "validation_error", bad
    assert [x["username"] for x in team["owner"].get(f"/api/projects/{pid}/quality/annotators").get_json()] \
        == ["ann_a", "ann_b", "ann_c"]
    assert len(team["owner"].get(f"/api/projects/{pid}/quality/pairs").get_json()) == 3


def _alpha_by_hand():
    # Units (p, p, p), (p, p, n), (p, n). Coincidences o_ck = sum over units of ordered pairs
    # (c, k) from different coders / (m_u - 1): unit 1 gives o_pp 3; unit 2 o_pp 1, o_pn 1, o_np 1;
    # unit 3 o_pn 1, o_np 1. So n_p = 6, n_n = 2, n = 8 and nominal
    # alpha = 1 - (n - 1) * (o_pn + o_np) / (n_p n_n + n_n n_p) = 1 - 7 * 4 / 24 = -1/6.
    return -1 / 6


def _synthetic_rows(a, b, c, owner_id):
    """68 tasks: skin light 30, medium 30, dark 8 (under-represented); gender alternates.
    Annotators answer light/medium tasks right; on dark tasks one of them (rotating) is wrong,
    the model is wrong on half the dark tasks (as many of each gender). Every third task is gold
    with the owner's answer."""
    rows = []
    groups = ["light"] * 30 + ["medium"] * 30 + ["dark"] * 8
    for i, skin in enumerate(groups):
        truth = "positive" if i % 2 == 0 else "negative"
        wrong = "negative" if truth == "positive" else "positive"
        labels = [truth, truth, truth]
        if skin == "dark":
            labels[i % 3] = wrong
        anns = [{"result": _choice(lab), "completed_by": who} for lab, who in zip(labels, (a, b, c))]
        if i % 3 == 0:
            anns.append({"result": _choice(truth), "completed_by": owner_id, "ground_truth": True})
        pred = wrong if skin == "dark" and (i // 2) % 2 == 0 else truth
        rows.append({"data": {"text": f"photo {i}"}, "meta": {"skin": skin, "gender": "f" if i % 2 else "m",
                                                              "id_code": f"x{i}"},
                     "annotations": anns, "predictions": [{"result": _choice(pred), "model_version": "v1"}]})
    return rows


def _mark_gold(app, pid, owner_id):
    with app.app_context():
        ids = db.session.execute(select(Annotation.id).where(Annotation.project_id == pid,
                                                             Annotation.completed_by == owner_id)).scalars().all()
    return ids


def test_synthetic_project_flags_exactly_the_underrepresented_mislabeled_group(app, client, team):
    pid, owner = team["pid"], team["owner"]
    _import(owner, pid, _synthetic_rows(team["ann_a"].user_id, team["ann_b"].user_id, team["ann_c"].user_id,
                                        owner.user_id))
    resp = owner.post(f"/api/projects/{pid}/gold", json={"annotations": _mark_gold(app, pid, owner.user_id)})
    assert resp.status_code == 200, resp.get_json()
    assert len(resp.get_json()["gold_tasks"]) == 23
    body = owner.get(f"/api/projects/{pid}/balance").get_json()
    assert list(body["balance"]["fields"]) == ["gender", "skin"]  # id_code has too many values
    assert [(f["field"], f["value"]) for f in body["flags"]] == [("skin", "dark")]
    reasons = " ".join(body["flags"][0]["reasons"])
    assert "under-represented" in reasons and "annotators_vs_gold" in reasons and "(model)" in reasons
    skin = {g["value"]: g for g in body["balance"]["fields"]["skin"]["groups"]}
    # Even share 68/3; half of it is 11.33: dark needs x with 8 + x >= (68 + x)/6 -> x = 4.
    assert skin["dark"]["under_represented"] and skin["dark"]["more_tasks_needed"] == 4
    assert not skin["light"]["under_represented"] and skin["light"]["labels"] == {"negative": 15, "positive": 15}
    gold = {g["group"]: g for g in body["disaggregated"]["fields"]["skin"]["annotators_vs_gold"]["groups"]}
    assert gold["light"]["rate"] == 0 and gold["dark"]["errors"] == 3 and gold["dark"]["n"] == 9
    model = body["disaggregated"]["fields"]["skin"]["model"]
    assert model["worst"] == "dark" and model["best"] in ("light", "medium") and model["gap"] == 0.5
    cells = body["disaggregated"]["intersections"][0]
    assert cells["fields"] == ["gender", "skin"]
    assert {g["group"] for g in cells["model"]["groups"]} >= {"m × dark", "f × dark", "m × light"}
    assert any("skin = dark" in s for s in body["suggestions"])
    assert any("balance field to 'skin'" in s for s in body["suggestions"])
    report = owner.get(f"/api/projects/{pid}/quality").get_json()
    assert report["summary"]["gold_tasks"] == 23 and report["summary"]["gold_answers"] == 23
    assert report["models"][0]["model_version"] == "v1" and report["models"][0]["vs_reviewed"]["n"] == 23


def test_gold_answers_must_come_from_reviewers(app, client, team):
    pid = team["pid"]
    a = team["ann_a"]
    _import(team["owner"], pid, [{"data": {"text": "x"},
                                  "annotations": [{"result": _choice("positive"), "completed_by": a.user_id}]}])
    with app.app_context():
        ann_id = db.session.execute(select(Annotation.id)).scalar_one()
        task_id = db.session.execute(select(Task.id)).scalar_one()
    resp = team["owner"].post(f"/api/projects/{pid}/gold", json={"annotations": [ann_id]})
    assert resp.status_code == 400 and resp.get_json()["error"] == "not_a_reviewer"
    assert team["owner"].post(f"/api/projects/{pid}/gold", json={"tasks": [task_id + 99]}).get_json()["error"] \
        == "not_in_project"
    assert team["rev"].post(f"/api/projects/{pid}/gold", json={"tasks": [task_id]}).status_code == 403
    assert team["stranger"].post(f"/api/projects/{pid}/gold", json={"tasks": [task_id]}).status_code == 404
    assert team["owner"].post(f"/api/projects/{pid}/gold", json={"tasks": "1"}).status_code == 400
    resp = team["owner"].post(f"/api/projects/{pid}/gold", json={"tasks": [task_id]})
    assert resp.get_json()["gold_tasks"] == [task_id]
    resp = team["owner"].post(f"/api/projects/{pid}/gold", json={"tasks": [task_id], "is_gold": False})
    assert resp.get_json()["not_gold"] == [task_id]


def test_project_settings_patch(app, client, team):
    pid, owner = team["pid"], team["owner"]
    resp = owner.patch(f"/api/projects/{pid}", json={"gold_rate": 0.1, "balance_field": "skin", "review_threshold": 1})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["gold_rate"], body["balance_field"], body["review_threshold"]) == (0.1, "skin", 1.0)
    for bad, needle in (({"gold_rate": 1.5}, "between 0 and 1"), ({"review_threshold": "x"}, "must be a number"),
                        ({"gold_rate": True}, "must be a number"), ({"balance_field": 'a"b'}, "without quotes")):
        resp = owner.patch(f"/api/projects/{pid}", json=bad)
        assert resp.status_code == 400 and needle in resp.get_json()["detail"], bad
    assert team["rev"].patch(f"/api/projects/{pid}", json={"gold_rate": 0.2}).status_code == 403


def test_review_rule_after_annotation_and_refresh(app, client, team):
    pid, owner = team["pid"], team["owner"]
    owner.patch(f"/api/projects/{pid}", json={"review_threshold": 0.5})
    _import(owner, pid, [{"text": "agree"}, {"text": "dispute"}])
    tasks = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"]
    t_agree, t_dispute = tasks[0]["id"], tasks[1]["id"]
    for who, la, lb in (("ann_a", "positive", "positive"), ("ann_b", "positive", "negative")):
        assert team[who].post(f"/api/tasks/{t_agree}/annotations", json={"result": _choice(la)}).status_code == 201
        assert team[who].post(f"/api/tasks/{t_dispute}/annotations", json={"result": _choice(lb)}).status_code == 201
    _work(app)  # the jobs queued once the second annotations committed
    with app.app_context():
        agreement = dict(db.session.execute(select(Task.id, Task.agreement)).all())
        status = {(t, s) for t, s in db.session.execute(select(Annotation.task_id, Annotation.review_status))}
    assert agreement == {t_agree: 1.0, t_dispute: 0.0}
    assert status == {(t_agree, "accepted"), (t_dispute, None)}
    queue = team["rev"].get(f"/api/projects/{pid}/review/next").get_json()
    assert queue["task"]["id"] == t_dispute and queue["remaining"] == 2
    # A third, dissenting answer drops the first task to 1/3: its automatic acceptances go back.
    team["ann_c"].post(f"/api/tasks/{t_agree}/annotations", json={"result": _choice("negative")})
    _work(app)
    with app.app_context():
        rows = db.session.execute(select(Annotation.review_status, Annotation.review_comment)
                                  .where(Annotation.task_id == t_agree)).all()
    assert {r[0] for r in rows} == {None}
    assert any("below the review threshold" in (r[1] or "") for r in rows)
    # The whole-project refresh does the same in bulk, through the queue.
    with app.app_context():
        db.session.execute(update(Task).values(agreement=None))
        db.session.commit()
    assert team["rev"].post(f"/api/projects/{pid}/quality/refresh").status_code == 403
    resp = owner.post(f"/api/projects/{pid}/quality/refresh")
    assert resp.status_code == 202, resp.get_json()
    _work(app)
    with app.app_context():
        assert db.session.execute(select(Task.agreement).where(Task.id == t_dispute)).scalar_one() == 0.0


def test_consensus_export_and_community_agreement(app, client, team):
    pid, owner = team["pid"], team["owner"]
    a, b, c = team["ann_a"].user_id, team["ann_b"].user_id, team["ann_c"].user_id
    rows = [{"data": {"text": "t"}, "annotations": [
        {"result": _choice("positive"), "completed_by": a}, {"result": _choice("negative"), "completed_by": b},
        {"result": _choice("positive"), "completed_by": c}]}]
    _import(owner, pid, rows)
    resp = owner.get(f"/api/projects/{pid}/export?exportType=JSON_CONSENSUS")
    assert resp.status_code == 200, resp.get_json()
    tasks = orjson.loads(resp.data)
    (ann,) = tasks[0]["annotations"]
    assert ann["result"][0]["value"]["choices"] == ["positive"] and ann["completed_by"] is None
    assert len(ann["consensus_of"]) == 3 and ann["agreement"] == pytest.approx(1 / 3, abs=1e-4)
    formats = {f["name"] for f in owner.get(f"/api/projects/{pid}/export/formats").get_json()}
    assert "JSON_CONSENSUS" in formats
    with app.app_context():
        for i, uid in enumerate((a, b, c)):
            db.session.execute(update(User).where(User.id == uid).values(wp_user_id=100 + i))
        db.session.commit()
    stats = owner.get(f"/api/community/projects/{pid}/stats").get_json()
    by_wp = {x["wp_user_id"]: x["agreement"] for x in stats["contributors"]}
    assert by_wp == {100: 0.5, 101: 0.0, 102: 0.5}


def test_config_with_text_config_has_no_regions(app, client, team):
    # The default text config produces a report even with no annotations at all.
    report = team["owner"].get(f"/api/projects/{team['pid']}/quality").get_json()
    assert report["summary"]["annotations"] == 0 and report["flags"] == [] and report["confusion"] is None
    assert TEXT_CONFIG  # the project was made from it
