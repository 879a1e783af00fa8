"""Data manager API: allow-listed filters and orderings, keyset pages, bulk actions, access."""
from urllib.parse import quote

import orjson
import pytest

from .factories import TEXT_CONFIG, add_member, make_project, make_user


@pytest.fixture
def setup(app, client):
    owner = make_user(app, client, "owner")
    ann1 = make_user(app, client, "ann1")
    ann2 = make_user(app, client, "ann2")
    project = make_project(owner, TEXT_CONFIG, title="DM")
    pid = project["id"]
    add_member(app, pid, ann1, "annotator")
    add_member(app, pid, ann2, "annotator")
    texts = ["the cat sat", "a dog ran", "50% off_sale", 'quote " and \\ back', "naïve café",
             "cat and dog"] + [f"filler {i}" for i in range(14)]
    resp = owner.post(f"/api/projects/{pid}/import", json=[{"text": t} for t in texts])
    assert resp.status_code == 201, resp.get_json()
    tasks = owner.get(f"/api/tasks?project={pid}&page_size=100").get_json()["tasks"]
    ids = [t["id"] for t in tasks]
    # ann1 labels tasks 0 and 1 positive; ann2 labels task 1 negative and skips task 2.
    for who, idx, choice in ((ann1, 0, "positive"), (ann1, 1, "positive"), (ann2, 1, "negative")):
        r = who.post(f"/api/tasks/{ids[idx]}/annotations", json={"result": [
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [choice]}}]})
        assert r.status_code == 201, r.get_json()
    assert ann2.post(f"/api/tasks/{ids[2]}/annotations", json={"result": [], "was_cancelled": True}).status_code == 201
    for idx, score in ((3, 0.9), (4, 0.2), (5, 0.5)):
        r = owner.post("/api/predictions", json={"task": ids[idx], "score": score, "model_version": "m", "result": [
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]})
        assert r.status_code == 201, r.get_json()
    return {"owner": owner, "ann1": ann1, "ann2": ann2, "pid": pid, "ids": ids, "texts": texts}


def dm(api, pid, query=""):
    return api.get(f"/api/projects/{pid}/dm/tasks?{query}")


def ids_of(resp):
    assert resp.status_code == 200, resp.get_json()
    return [t["id"] for t in resp.get_json()["tasks"]]


def test_first_page_columns_and_rows(setup):
    s = setup
    body = dm(s["owner"], s["pid"], "page_size=5").get_json()
    assert body["columns"] == ["text"]
    assert [t["data"]["text"] for t in body["tasks"]] == s["texts"][:5]
    assert body["total"] == 20 and body["total_capped"] is False
    row1 = body["tasks"][1]
    assert {a["username"] for a in row1["annotators"]} == {"ann1", "ann2"}
    assert row1["total_annotations"] == 2 and row1["agreement"] is None
    assert body["tasks"][3]["prediction_score"] == 0.9


def test_keyset_pages_cover_everything_once(setup):
    s = setup
    seen, cursor = [], None
    while True:
        q = "page_size=6" + (f"&cursor={quote(cursor)}" if cursor else "")
        body = dm(s["owner"], s["pid"], q).get_json()
        seen += [t["id"] for t in body["tasks"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == s["ids"]
    desc = ids_of(dm(s["owner"], s["pid"], "order=-id&page_size=100"))
    assert desc == s["ids"][::-1]


@pytest.mark.parametrize("query, expect", [
    ("status=labeled", [0, 1]),
    ("status=skipped", [2]),
    ("annotator=ann1", [0, 1]),
    ("annotator=ann2", [1, 2]),
    ("label=negative", [1]),
    ("label=positive", [0, 1]),
    ("score_min=0.4&score_max=0.95", [3, 5]),
    ("q=cat", [0, 5]),
    ("q=50%25", [2]),           # '%' is a literal, not a wildcard
    ("q=_", [2]),               # '_' too
    ("q=%22", [3]),             # a double quote, stored JSON-escaped
    ("q=na%C3%AFve", [4]),      # non-ASCII
    ("status=unlabeled&q=dog", [5]),
])
def test_filters(setup, query, expect):
    s = setup
    assert ids_of(dm(s["owner"], s["pid"], query + "&page_size=100")) == [s["ids"][i] for i in expect]


def test_ids_filter_and_filtered_total(setup):
    s = setup
    body = dm(s["owner"], s["pid"], f"ids={s['ids'][4]},{s['ids'][7]}").get_json()
    assert [t["id"] for t in body["tasks"]] == [s["ids"][4], s["ids"][7]]
    assert body["total"] == 2


def test_score_ordering_pages(setup):
    s = setup
    seen, cursor = [], None
    while True:
        body = dm(s["owner"], s["pid"], "order=-prediction_score&page_size=2" +
                  (f"&cursor={quote(cursor)}" if cursor else "")).get_json()
        seen += [t["id"] for t in body["tasks"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen[:3] == [s["ids"][3], s["ids"][5], s["ids"][4]]
    assert sorted(seen) == sorted(s["ids"])


@pytest.mark.parametrize("query, needle", [
    ("data.password=x", "data.password"),
    ("filter=annotations__completed_by__password", "filter"),
    ("order=completed_by__password_hash", "order must be one of"),
    ("status=bogus", "status must be one of"),
    ("label=nope", "not in this project's labeling config"),
    ("annotator=nobody", "not a member"),
    ("score_min=abc", "score_min must be a number"),
    ("cursor=notjson", "cursor"),
    ("ids=1,x", "ids must be integers"),
])
def test_bad_fields_are_named(setup, query, needle):
    s = setup
    resp = dm(s["owner"], s["pid"], query)
    assert resp.status_code == 400
    assert needle in resp.get_json()["detail"]


def test_unknown_fields_listed(setup):
    s = setup
    body = dm(s["owner"], s["pid"], "zzz=1&aaa=2&status=labeled").get_json()
    assert body["error"] == "unknown_field" and body["fields"] == ["aaa", "zzz"]


def test_access(app, client, setup):
    s = setup
    outsider = make_user(app, client, "outsider")
    assert dm(outsider, s["pid"]).status_code == 404
    assert dm(s["ann1"], s["pid"]).status_code == 403
    reviewer = make_user(app, client, "rev")
    add_member(app, s["pid"], reviewer, "reviewer")
    assert dm(reviewer, s["pid"]).status_code == 200
    body = {"action": "delete_tasks", "task_ids": [s["ids"][0]]}
    assert reviewer.post(f"/api/projects/{s['pid']}/dm/actions", json=body).status_code == 403
    assert outsider.post(f"/api/projects/{s['pid']}/dm/actions", json=body).status_code == 404


def test_delete_selected(setup):
    s = setup
    resp = s["owner"].post(f"/api/projects/{s['pid']}/dm/actions",
                           json={"action": "delete_tasks", "task_ids": s["ids"][:2]})
    assert resp.status_code == 200 and resp.get_json()["tasks"] == 2
    body = dm(s["owner"], s["pid"], "page_size=100").get_json()
    assert [t["id"] for t in body["tasks"]] == s["ids"][2:]
    assert body["total"] == 18


def test_actions_refuse_foreign_tasks(app, client, setup):
    s = setup
    other = make_project(s["owner"], TEXT_CONFIG, title="Other")
    s["owner"].post(f"/api/projects/{other['id']}/import", json=[{"text": "elsewhere"}])
    foreign = s["owner"].get(f"/api/tasks?project={other['id']}").get_json()["tasks"][0]["id"]
    resp = s["owner"].post(f"/api/projects/{s['pid']}/dm/actions",
                           json={"action": "delete_tasks", "task_ids": [s["ids"][0], foreign]})
    assert resp.status_code == 400 and str(foreign) in resp.get_json()["detail"]
    assert s["owner"].get(f"/api/tasks/{foreign}").status_code == 200
    assert len(ids_of(dm(s["owner"], s["pid"], "page_size=100"))) == 20


def test_assign_filter_and_assigned_next(setup):
    s = setup
    target = s["ids"][10]
    resp = s["owner"].post(f"/api/projects/{s['pid']}/dm/actions",
                           json={"action": "assign", "task_ids": [target], "users": [s["ann1"].user_id]})
    assert resp.status_code == 200, resp.get_json()
    assert ids_of(dm(s["owner"], s["pid"], "assignee=ann1")) == [target]
    assert ids_of(dm(s["owner"], s["pid"], "assignee=ann2")) == []
    assert s["ann1"].get(f"/api/projects/{s['pid']}/dm/assigned-next").get_json() == {"id": target}
    assert s["ann2"].get(f"/api/projects/{s['pid']}/dm/assigned-next").status_code == 404
    task = s["owner"].get(f"/api/tasks/{target}").get_json()
    assert task["meta"]["assignees"] == [s["ann1"].user_id]
    s["owner"].post(f"/api/projects/{s['pid']}/dm/actions",
                    json={"action": "unassign", "task_ids": [target], "users": [s["ann1"].user_id]})
    assert ids_of(dm(s["owner"], s["pid"], "assignee=ann1")) == []
    bad = s["owner"].post(f"/api/projects/{s['pid']}/dm/actions",
                          json={"action": "assign", "task_ids": [target], "users": [999999]})
    assert bad.status_code == 400 and "999999" in bad.get_json()["detail"]


def test_export_selection(setup):
    s = setup
    resp = s["owner"].post(f"/api/projects/{s['pid']}/dm/export",
                           json={"task_ids": [s["ids"][1], s["ids"][3]], "exportType": "JSON"})
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    tasks = orjson.loads(resp.data)
    assert [t["id"] for t in tasks] == [s["ids"][1], s["ids"][3]]
    assert len(tasks[0]["annotations"]) == 2 and tasks[1]["predictions"][0]["score"] == 0.9
    csv = s["owner"].post(f"/api/projects/{s['pid']}/dm/export",
                          json={"task_ids": [s["ids"][0]], "exportType": "CSV"})
    assert csv.status_code == 200 and b"the cat sat" in csv.data
    bad = s["owner"].post(f"/api/projects/{s['pid']}/dm/export", json={"task_ids": [1], "exportType": "XLS"})
    assert bad.status_code == 400 and "XLS" in bad.get_json()["detail"]
