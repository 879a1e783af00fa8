"""Region models behind the service: click-to-segment through /api/ml/{id}/interactive-annotating
(Label Studio's interactive call, ``params.context``), and the box detector trained and run
through the RQ batch path, on SQLite and MariaDB."""
import pytest

from tests.service.factories import add_member, make_project, make_user

from .conftest import annotate, upload, work
from .region_data import CLICK_CONFIG, click_point, make_shapes, visible_mask


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes(tmp_path_factory.mktemp("region-service"), 40, size=96, seed=3)


def _click(task, shape):
    x, y = click_point(visible_mask(task["image"], shape))
    return {"from_name": "click", "to_name": "image", "type": "keypointlabels", "is_positive": True,
            "value": {"x": x / 96 * 100, "y": y / 96 * 100, "width": 1, "keypointlabels": [shape["label"]]}}


def test_click_to_segment_through_the_api(app, client, shapes):
    owner, annotator, stranger = (make_user(app, client, n) for n in ("owner", "annotator", "stranger"))
    pid = make_project(owner, config=CLICK_CONFIG)["id"]
    add_member(app, pid, annotator, "annotator")
    ids = upload(owner, pid, [shapes["dir"] / t["data"]["image"] for t in shapes["tasks"][:3]])
    names = [m["name"] for m in owner.get(f"/api/projects/{pid}/ml/models").get_json()["models"]]
    assert "click_segmenter" in names
    resp = owner.post("/api/ml", json={"project": pid, "model_name": "click_segmenter", "is_interactive": True})
    assert resp.status_code == 201, resp.get_json()
    backend = resp.get_json()
    assert backend["state"] == "CONNECTED" and backend["model_version"] == "click_segmenter.v1"

    task = dict(shapes["tasks"][0], image=shapes["image"](shapes["tasks"][0]))
    shape = max(task["meta"]["shapes"], key=lambda s: s["visible"])
    body = {"task": ids[0], "context": {"result": [_click(task, shape)]}}
    resp = annotator.post(f"/api/ml/{backend['id']}/interactive-annotating", json=body)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    [region] = data["result"]
    assert data["model_version"] == "click_segmenter.v1"
    assert region["from_name"] == "outline" and region["type"] == "polygonlabels"
    assert region["value"]["polygonlabels"] == [shape["label"]] and len(region["value"]["points"]) >= 3
    xs = [p[0] for p in region["value"]["points"]]
    x0, _, x1, _ = shape["bbox"]
    assert min(xs) == pytest.approx(x0 / 96 * 100, abs=4) and max(xs) == pytest.approx(x1 / 96 * 100, abs=4)
    # Nothing is stored: it is a suggestion until the person accepts and submits it.
    assert owner.get(f"/api/predictions?task={ids[0]}").get_json() == []

    assert stranger.post(f"/api/ml/{backend['id']}/interactive-annotating", json=body).status_code == 404
    other = make_project(owner, config=CLICK_CONFIG)["id"]
    [foreign] = upload(owner, other, [shapes["dir"] / shapes["tasks"][5]["data"]["image"]])
    resp = owner.post(f"/api/ml/{backend['id']}/interactive-annotating", json={**body, "task": foreign})
    assert resp.status_code == 400 and f"not in project {pid}" in resp.get_json()["detail"]
    for bad in ({"task": ids[0]}, {"task": ids[0], "context": {"result": []}}, {"task": "1", "context": {}}):
        assert owner.post(f"/api/ml/{backend['id']}/interactive-annotating", json=bad).status_code == 400
    owner.patch(f"/api/ml/{backend['id']}", json={"is_interactive": False})
    resp = owner.post(f"/api/ml/{backend['id']}/interactive-annotating", json=body)
    assert resp.status_code == 400 and "not interactive" in resp.get_json()["detail"]


@pytest.mark.slow
def test_box_detector_trains_and_predicts_through_the_queue(app, client, shapes):
    owner = make_user(app, client, "owner")
    from worker.synth.images import label_config

    pid = make_project(owner, config=label_config())["id"]
    ids = upload(owner, pid, [shapes["dir"] / t["data"]["image"] for t in shapes["tasks"]])
    resp = owner.post("/api/ml", json={"project": pid, "model_name": "box_detector",
                                       "extra_params": {"epochs": 30, "held_out": 0.15, "score_threshold": 0.1}})
    assert resp.status_code == 201, resp.get_json()
    backend = resp.get_json()
    for task_id, task in zip(ids[:32], shapes["tasks"]):
        boxes = [r for r in task["annotations"][0]["result"] if r["type"] == "rectanglelabels"]
        annotate(owner, task_id, boxes)

    job = owner.post(f"/api/ml/{backend['id']}/train").get_json()["job"]
    work(app)
    assert owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()["status"] == "completed"
    versions = owner.get(f"/api/ml/{backend['id']}/versions").get_json()
    run = next(r for r in versions["runs"] if r["status"] == "completed")
    assert versions["current"] == run["model_version"] == "box_detector.v1"
    assert run["metrics"]["held_out"] > 0 and run["metrics"]["map50"] is not None
    assert run["metrics"]["device"] in ("cpu", "cuda")

    # Training re-predicted what is left to label, through the RQ batch jobs.
    preds = owner.get(f"/api/predictions?project={pid}&page_size=1000").get_json()
    assert {p["task"] for p in preds} <= set(ids[32:]) and len(preds) >= 4
    for p in preds:
        assert p["model_version"] == "box_detector.v1" and 0 <= p["score"] <= 1
        for region in p["result"]:
            assert region["type"] == "rectanglelabels" and region["from_name"] == "label"
            assert region["value"]["rectanglelabels"][0] in ("circle", "square", "triangle")
            assert 0 <= region["value"]["x"] <= 100 and region["value"]["width"] > 0
