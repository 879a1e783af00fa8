"""Import → list → next → annotate → export, end to end through the API."""
import io
import threading

import orjson
import pytest
from sqlalchemy import func, select

from worker.extensions import db
from worker.models import Annotation, Prediction, Task

from .factories import IMAGE_CONFIG, TEXT_CONFIG, add_member, make_project, make_user


@pytest.fixture
def owner(app, client):
    return make_user(app, client, "owner")


def _choice(label):
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def _count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_json_list_bare_and_full(app, client, owner):
    pid = make_project(owner)["id"]
    items = [{"text": "bare data"},
             {"data": {"text": "with prediction"},
              "predictions": [{"result": _choice("positive"), "score": 0.4, "model_version": "v1"}]},
             {"data": {"text": "with annotation"}, "meta": {"source": "x"},
              "annotations": [{"result": _choice("negative"), "lead_time": 3.5}]}]
    resp = owner.post(f"/api/projects/{pid}/import", json=items)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["task_count"], body["annotation_count"], body["prediction_count"]) == (3, 1, 1)
    listing = owner.get(f"/api/tasks?project={pid}&fields=all").get_json()
    assert listing["total"] == 3 and listing["total_annotations"] == 1 and listing["total_predictions"] == 1
    texts = [t["data"]["text"] for t in listing["tasks"]]
    assert texts == ["bare data", "with prediction", "with annotation"]
    assert listing["tasks"][2]["annotations"][0]["result"][0]["value"]["choices"] == ["negative"]
    assert listing["tasks"][2]["meta"] == {"source": "x"}
    assert listing["tasks"][1]["predictions"][0]["score"] == 0.4


@pytest.mark.parametrize("items, needle", [
    ([{"text": "ok"}, {"nope": "missing field"}], "data has no 'text' field"),
    ([{"text": "ok"}, "a string"], "a task must be a JSON object"),
    ([{"data": {"text": "ok"}, "annotations": [{"result": _choice("meh")}]}], "annotations[0].result[0]: 'meh' is not a label"),
    ([{"data": {"text": "ok"}, "predictions": [{"result": [{"from_name": "zzz", "to_name": "text",
                                                              "type": "choices", "value": {}}]}]}],
     "from_name 'zzz' is not a control"),
])
def test_bad_import_is_atomic_and_named(app, client, owner, items, needle):
    pid = make_project(owner)["id"]
    good = [{"text": f"t{i}"} for i in range(12000)]  # more than one chunk goes in before the bad row
    resp = owner.post(f"/api/projects/{pid}/import", json=good[:5] + items)
    assert resp.status_code == 400
    body = resp.get_json()
    bad_index = 5 + len(items) - 1
    assert body["index"] == bad_index and body["detail"].startswith(f"task {bad_index}: ")
    assert needle in body["detail"]
    resp = owner.post(f"/api/projects/{pid}/import", json=good + items)
    assert resp.status_code == 400
    assert _count(app, Task) == 0 and _count(app, Annotation) == 0 and _count(app, Prediction) == 0
    project = owner.get(f"/api/projects/{pid}").get_json()
    assert project["task_number"] == 0, project


def test_import_files_csv_tsv_jsonl_and_media(app, client, owner):
    pid = make_project(owner)["id"]
    files = {
        "a": (io.BytesIO(b'text,extra\n"hello, world",1\nsecond,2\n'), "a.csv"),
        "b": (io.BytesIO(b"text\textra\nthird\t3\n"), "b.tsv"),
        "c": (io.BytesIO(b'{"text": "fourth"}\n\n{"data": {"text": "fifth"}}\n'), "c.jsonl"),
        "d": (io.BytesIO("sixth from a text file ✓".encode()), "d.txt"),
    }
    resp = owner.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    texts = [t["data"]["text"] for t in owner.get(f"/api/tasks?project={pid}").get_json()["tasks"]]
    assert texts == ["hello, world", "second", "third", "fourth", "fifth", "sixth from a text file ✓"]


def test_image_upload_served_with_safe_headers(app, client, owner):
    pid = make_project(owner, IMAGE_CONFIG)["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    resp = owner.post(f"/api/projects/{pid}/import", data={"f": (io.BytesIO(png), "x.png"),
                                                            "g": (io.BytesIO(svg), "evil.svg")},
                      content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    tasks = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"]
    png_url, svg_url = tasks[0]["data"]["image"], tasks[1]["data"]["image"]
    r = owner.get(png_url)
    assert r.status_code == 200 and r.data == png and r.mimetype == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = owner.get(png_url, headers={"Range": "bytes=0-7"})
    assert r.status_code == 206 and r.data == png[:8]
    r = owner.get(svg_url)
    assert r.mimetype == "application/octet-stream" and "attachment" in r.headers["Content-Disposition"]
    assert "sandbox" in r.headers["Content-Security-Policy"]
    stranger = make_user(app, client, "stranger")
    assert stranger.get(png_url).status_code == 404
    assert client.get(png_url).status_code == 401


def test_annotation_crud_idempotency_and_permissions(app, client, owner):
    pid = make_project(owner)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}, {"text": "b"}])
    annotator = make_user(app, client, "ann")
    stranger = make_user(app, client, "stranger")
    add_member(app, pid, annotator)
    tid = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"][0]["id"]
    body = {"result": _choice("positive"), "lead_time": 2.5}
    first = annotator.post(f"/api/tasks/{tid}/annotations", json=body, headers={"Idempotency-Key": "k1"})
    again = annotator.post(f"/api/tasks/{tid}/annotations/", json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert _count(app, Annotation) == 1
    other_task = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"][1]["id"]
    assert annotator.post(f"/api/tasks/{other_task}/annotations", json=body,
                          headers={"Idempotency-Key": "k1"}).status_code == 409
    aid = first.get_json()["id"]
    assert owner.get(f"/api/tasks/{tid}").get_json()["total_annotations"] == 1
    assert stranger.get(f"/api/annotations/{aid}").status_code == 404
    assert stranger.post(f"/api/tasks/{tid}/annotations", json=body).status_code == 404
    assert stranger.get(f"/api/tasks/{tid}").status_code == 404
    assert annotator.patch(f"/api/annotations/{aid}", json={"result": _choice("negative")}).status_code == 200
    assert owner.get(f"/api/annotations/{aid}").get_json()["result"][0]["value"]["choices"] == ["negative"]
    assert annotator.post(f"/api/tasks/{tid}/annotations", json={"result": _choice("nah")}).status_code == 400
    second_ann = make_user(app, client, "ann2")
    add_member(app, pid, second_ann)
    assert second_ann.patch(f"/api/annotations/{aid}", json={"ground_truth": True}).status_code == 403
    assert second_ann.delete(f"/api/annotations/{aid}").status_code == 403
    assert owner.delete(f"/api/annotations/{aid}").status_code == 204
    assert owner.get(f"/api/tasks/{tid}").get_json()["total_annotations"] == 0


def test_predictions_api(app, client, owner):
    pid = make_project(owner)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}])
    tid = owner.get(f"/api/tasks?project={pid}").get_json()["tasks"][0]["id"]
    resp = owner.post("/api/predictions", json={"task": tid, "result": _choice("positive"), "score": 0.7,
                                                "model_version": "m1"})
    assert resp.status_code == 201
    annotator = make_user(app, client, "ann")
    add_member(app, pid, annotator)
    assert annotator.post("/api/predictions", json={"task": tid, "result": []}).status_code == 403
    assert annotator.get(f"/api/predictions?task={tid}").get_json()[0]["model_version"] == "m1"
    assert owner.get(f"/api/tasks/{tid}").get_json()["total_predictions"] == 1


def test_next_respects_overlap_and_own_work(app, client, owner):
    pid = make_project(owner, overlap=2)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}, {"text": "b"}])
    users = [make_user(app, client, f"u{i}") for i in range(3)]
    for u in users:
        add_member(app, pid, u)
    t1 = users[0].get(f"/api/projects/{pid}/next").get_json()
    assert users[0].get(f"/api/projects/{pid}/next/").get_json()["id"] == t1["id"]  # same lock, same task
    t2 = users[1].get(f"/api/projects/{pid}/next").get_json()
    assert t2["id"] == t1["id"]  # overlap 2: a second person may hold it
    t3 = users[2].get(f"/api/projects/{pid}/next").get_json()
    assert t3["id"] != t1["id"]  # overlap reached by locks
    users[0].post(f"/api/tasks/{t1['id']}/annotations", json={"result": _choice("positive")})
    n = users[0].get(f"/api/projects/{pid}/next").get_json()
    assert n["id"] != t1["id"]


def test_next_skip_requeues_for_others(app, client, owner):
    pid = make_project(owner)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": "a"}])
    a, b = make_user(app, client, "a"), make_user(app, client, "b")
    add_member(app, pid, a)
    add_member(app, pid, b)
    t = a.get(f"/api/projects/{pid}/next").get_json()
    a.post(f"/api/tasks/{t['id']}/annotations", json={"result": [], "was_cancelled": True})
    assert a.get(f"/api/projects/{pid}/next").status_code == 404
    assert b.get(f"/api/projects/{pid}/next").get_json()["id"] == t["id"]


@pytest.mark.parametrize("sampling", ["Sequential sampling", "Uniform sampling", "Uncertainty sampling"])
def test_next_concurrent_never_exceeds_overlap(app, client, owner, sampling):
    overlap = 2
    pid = make_project(owner, overlap=overlap, sampling=sampling)["id"]
    owner.post(f"/api/projects/{pid}/import",
               json=[{"data": {"text": f"t{i}"},
                      "predictions": [{"result": [], "score": (i * 37 % 100) / 100}]} for i in range(40)])
    workers = [make_user(app, client, f"w{i}") for i in range(6)]
    for w in workers:
        add_member(app, pid, w)
    errors = []

    def run(api):
        local = app.test_client()
        headers = api.headers
        try:
            while True:
                r = local.get(f"/api/projects/{pid}/next", headers=headers)
                if r.status_code == 404:
                    return
                assert r.status_code == 200, r.get_json()
                tid = r.get_json()["id"]
                r = local.post(f"/api/tasks/{tid}/annotations", headers=headers,
                               json={"result": _choice("positive")})
                assert r.status_code == 201, r.get_json()
        except Exception as exc:  # collected and asserted in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A 404 is right while the remaining tasks are all held by others; a second pass
    # finishes what their holders released.
    for w in workers:
        run(w)
    assert not errors, errors
    with app.app_context():
        per_task = db.session.execute(select(Annotation.task_id, func.count()).group_by(Annotation.task_id)).all()
        dup = db.session.execute(select(Annotation.task_id, Annotation.completed_by, func.count())
                                 .group_by(Annotation.task_id, Annotation.completed_by)
                                 .having(func.count() > 1)).all()
    assert len(per_task) == 40 and all(n == overlap for _, n in per_task)
    assert dup == []


def test_export_json_round_trip_and_only_annotated(app, client, owner):
    pid = make_project(owner)["id"]
    items = [{"data": {"text": f"t{i}", "n": i}, "meta": {"k": i},
              "annotations": [{"result": _choice("positive"), "lead_time": 1.5, "ground_truth": i == 0}] if i % 2 == 0 else [],
              "predictions": [{"result": _choice("negative"), "score": 0.5, "model_version": "v"}]}
             for i in range(10)]
    owner.post(f"/api/projects/{pid}/import", json=items)
    resp = owner.get(f"/api/projects/{pid}/export?exportType=JSON")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    exported = orjson.loads(resp.data)
    assert [t["data"]["n"] for t in exported] == [0, 2, 4, 6, 8]
    full = orjson.loads(owner.get(f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true").data)
    assert len(full) == 10
    pid2 = make_project(owner)["id"]
    assert owner.post(f"/api/projects/{pid2}/import", json=full).status_code == 201
    again = orjson.loads(owner.get(f"/api/projects/{pid2}/export?download_all_tasks=true").data)

    def essence(tasks):
        return [(t["data"], t["meta"], [(a["result"], a["lead_time"], a["ground_truth"], a["was_cancelled"])
                                        for a in t["annotations"]],
                 [(p["result"], p["score"], p["model_version"]) for p in t["predictions"]]) for t in tasks]

    assert essence(again) == essence(full)


def test_export_unknown_format_and_permissions(app, client, owner):
    pid = make_project(owner)["id"]
    assert owner.get(f"/api/projects/{pid}/export?exportType=NOPE").status_code == 400
    annotator = make_user(app, client, "ann")
    add_member(app, pid, annotator)
    assert annotator.get(f"/api/projects/{pid}/export").status_code == 403
    assert make_user(app, client, "x").get(f"/api/projects/{pid}/export").status_code == 404


def test_task_list_pages_and_cursor(app, client, owner):
    pid = make_project(owner)["id"]
    owner.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(25)])
    page3 = owner.get(f"/api/tasks/?project={pid}&page=3&page_size=10").get_json()["tasks"]
    assert [t["data"]["text"] for t in page3] == [f"t{i}" for i in range(20, 25)]
    first = owner.get(f"/api/tasks?project={pid}&page_size=10").get_json()
    after = owner.get(f"/api/tasks?project={pid}&page_size=10&after={first['next_cursor']}").get_json()
    assert after["tasks"][0]["data"]["text"] == "t10"
    tid = first["tasks"][0]["id"]
    assert owner.delete(f"/api/tasks/{tid}").status_code == 204
    page1 = owner.get(f"/api/tasks?project={pid}&page=1&page_size=10").get_json()
    assert page1["total"] == 24 and page1["tasks"][0]["data"]["text"] == "t1"
    assert len(page1["tasks"]) == 10
