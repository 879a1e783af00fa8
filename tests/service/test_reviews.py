"""Review queue and verdicts: accept, reject with a comment, fix; roles and membership."""
import pytest

from .factories import TEXT_CONFIG, add_member, make_project, make_user

POS = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]
NEG = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["negative"]}}]


@pytest.fixture
def setup(app, client):
    owner = make_user(app, client, "owner")
    annotator = make_user(app, client, "annotator")
    reviewer = make_user(app, client, "reviewer")
    project = make_project(owner, TEXT_CONFIG)
    pid = project["id"]
    add_member(app, pid, annotator, "annotator")
    add_member(app, pid, reviewer, "reviewer")
    owner.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(3)])
    ids = [t["id"] for t in owner.get(f"/api/tasks?project={pid}").get_json()["tasks"]]
    anns = []
    for tid in ids[:2]:
        r = annotator.post(f"/api/tasks/{tid}/annotations", json={"result": POS, "lead_time": 3.5})
        anns.append(r.get_json()["id"])
    annotator.post(f"/api/tasks/{ids[2]}/annotations", json={"result": [], "was_cancelled": True})
    return {"owner": owner, "annotator": annotator, "reviewer": reviewer, "pid": pid, "ids": ids, "anns": anns}


def test_queue_then_accept_reject_fix(setup):
    s = setup
    nxt = s["reviewer"].get(f"/api/projects/{s['pid']}/review/next")
    assert nxt.status_code == 200
    body = nxt.get_json()
    assert body["annotation"]["id"] == s["anns"][0]
    assert body["annotation"]["completed_by_username"] == "annotator"
    assert body["task"]["data"] == {"text": "t0"} and body["remaining"] == 2

    ok = s["reviewer"].post(f"/api/annotations/{s['anns'][0]}/review", json={"action": "accept"})
    assert ok.status_code == 200 and ok.get_json()["review_status"] == "accepted"
    assert ok.get_json()["reviewed_by"] == s["reviewer"].user_id and ok.get_json()["reviewed_at"]

    body = s["reviewer"].get(f"/api/projects/{s['pid']}/review/next").get_json()
    assert body["annotation"]["id"] == s["anns"][1] and body["remaining"] == 1
    rej = s["reviewer"].post(f"/api/annotations/{s['anns'][1]}/review",
                             json={"action": "reject", "comment": "  it reads negative  "})
    assert rej.get_json()["review_status"] == "rejected"
    assert rej.get_json()["review_comment"] == "it reads negative"
    # The queue skips skipped tasks: nothing is left.
    empty = s["reviewer"].get(f"/api/projects/{s['pid']}/review/next")
    assert empty.status_code == 404 and empty.get_json()["error"] == "no_more_reviews"

    fix = s["owner"].post(f"/api/annotations/{s['anns'][1]}/review",
                          json={"action": "fix", "comment": "fixed it", "result": NEG})
    assert fix.status_code == 200
    out = fix.get_json()
    assert out["review_status"] == "fixed" and out["result"][0]["value"]["choices"] == ["negative"]
    assert out["reviewed_by"] == s["owner"].user_id
    # The annotator sees the verdicts on their own work.
    mine = s["annotator"].get(f"/api/projects/{s['pid']}/reviews?mine=1").get_json()
    assert {(r["id"], r["review_status"]) for r in mine} == {(s["anns"][0], "accepted"), (s["anns"][1], "fixed")}
    assert s["annotator"].get(f"/api/annotations/{s['anns'][1]}/review").get_json()["review_comment"] == "fixed it"


def test_after_skips_ahead(setup):
    s = setup
    body = s["reviewer"].get(f"/api/projects/{s['pid']}/review/next?after={s['anns'][0]}").get_json()
    assert body["annotation"]["id"] == s["anns"][1]


@pytest.mark.parametrize("body, needle", [
    ({"action": "reject"}, "needs a comment"),
    ({"action": "reject", "comment": "   "}, "needs a comment"),
    ({"action": "approve"}, "action must be one of"),
    ({"action": "fix"}, "corrected result"),
    ({"action": "fix", "result": [{"from_name": "nope", "to_name": "text", "type": "choices",
                                   "value": {"choices": ["positive"]}}]}, "nope"),
    ({"action": "accept", "result": NEG}, "only fix"),
    ({"action": "accept", "comment": 5}, "comment must be text"),
])
def test_bad_verdicts(setup, body, needle):
    s = setup
    resp = s["reviewer"].post(f"/api/annotations/{s['anns'][0]}/review", json=body)
    assert resp.status_code == 400, resp.get_json()
    assert needle in resp.get_json()["detail"]
    after = s["reviewer"].get(f"/api/annotations/{s['anns'][0]}/review").get_json()
    assert after["review_status"] is None and after["result"] == POS


def test_roles_and_membership(app, client, setup):
    s = setup
    outsider = make_user(app, client, "outsider")
    assert outsider.get(f"/api/projects/{s['pid']}/review/next").status_code == 404
    assert outsider.post(f"/api/annotations/{s['anns'][0]}/review", json={"action": "accept"}).status_code == 404
    assert outsider.get(f"/api/annotations/{s['anns'][0]}/review").status_code == 404
    assert s["annotator"].get(f"/api/projects/{s['pid']}/review/next").status_code == 403
    assert s["annotator"].post(f"/api/annotations/{s['anns'][0]}/review",
                               json={"action": "accept"}).status_code == 403
    assert s["annotator"].get(f"/api/projects/{s['pid']}/reviews").status_code == 403
    other = make_user(app, client, "other")
    add_member(app, s["pid"], other, "annotator")
    assert other.get(f"/api/annotations/{s['anns'][0]}/review").status_code == 403


def test_no_reviewing_own_work(app, client, setup):
    s = setup
    r = s["reviewer"].post(f"/api/tasks/{s['ids'][2]}/annotations", json={"result": POS})
    own = r.get_json()["id"]
    resp = s["reviewer"].post(f"/api/annotations/{own}/review", json={"action": "accept"})
    assert resp.status_code == 403 and resp.get_json()["error"] == "own_annotation"
    seen = []
    after = 0
    while True:
        nxt = s["reviewer"].get(f"/api/projects/{s['pid']}/review/next?after={after}")
        if nxt.status_code == 404:
            break
        after = nxt.get_json()["annotation"]["id"]
        seen.append(after)
    assert own not in seen and seen == s["anns"]


def test_reviews_listing_filters(setup):
    s = setup
    s["reviewer"].post(f"/api/annotations/{s['anns'][0]}/review", json={"action": "accept"})
    s["reviewer"].post(f"/api/annotations/{s['anns'][1]}/review", json={"action": "reject", "comment": "no"})
    rows = s["owner"].get(f"/api/projects/{s['pid']}/reviews?status=rejected").get_json()
    assert [r["id"] for r in rows] == [s["anns"][1]] and rows[0]["review_comment"] == "no"
    assert s["owner"].get(f"/api/projects/{s['pid']}/reviews?status=meh").status_code == 400
    dm = s["owner"].get(f"/api/projects/{s['pid']}/dm/tasks?status=rejected").get_json()
    assert [t["id"] for t in dm["tasks"]] == [s["ids"][1]] and dm["tasks"][0]["reviews"] == {"rejected": 1}
