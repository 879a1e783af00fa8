"""Helpers for the ML tests: synthetic media made by ``labelart synth``'s own generators,
uploaded through the real import endpoint, labelled through the real annotation endpoint."""
import io
import json

import pytest
from rq import SimpleWorker

from worker.queue import get_queue, get_redis


@pytest.fixture(scope="session")
def shapes(tmp_path_factory):
    """300 64-pixel images of one shape each, with their true class (seed 0)."""
    from worker.synth import images

    out = tmp_path_factory.mktemp("shapes")
    (out / "images").mkdir()
    tasks = [images.make_task(0, i, out, size=64, task="classify") for i in range(300)]
    labels = [t["annotations"][0]["result"][0]["value"]["choices"][0] for t in tasks]
    return {"dir": out, "config": images.label_config("classify"), "tasks": tasks, "labels": labels,
            "files": [out / t["data"]["image"] for t in tasks]}


@pytest.fixture(scope="session")
def chords(tmp_path_factory):
    """300 clips of tones / major / minor triads with their true class (seed 0)."""
    from worker.synth import audio

    out = tmp_path_factory.mktemp("chords")
    (out / "audio").mkdir()
    tasks = [audio.make_task(0, i, out, min_s=0.8, max_s=1.2) for i in range(300)]
    labels = [t["annotations"][0]["result"][0]["value"]["choices"][0] for t in tasks]
    return {"dir": out, "config": audio.label_config(), "tasks": tasks, "labels": labels,
            "files": [out / t["data"]["audio"] for t in tasks]}


def upload(api, project_id, files):
    """Import media files (one task each) through POST /api/projects/{id}/import; task ids in order."""
    data = {"file": [(io.BytesIO(p.read_bytes()), p.name) for p in files]}
    resp = api.post(f"/api/projects/{project_id}/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    tasks = api.get(f"/api/tasks?project={project_id}&page_size=1000").get_json()["tasks"]
    return [t["id"] for t in sorted(tasks, key=lambda t: t["id"])][-len(files):]


def choice(from_name, to_name, label):
    return [{"from_name": from_name, "to_name": to_name, "type": "choices", "value": {"choices": [label]}}]


def annotate(api, task_id, result):
    resp = api.post(f"/api/tasks/{task_id}/annotations", json={"result": result})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def work(app, queues=("ml",)):
    """Run queued jobs with a real RQ worker until the queues are empty."""
    with app.app_context():
        SimpleWorker([get_queue(n) for n in queues], connection=get_redis()).work(burst=True)


def dump(obj):
    return json.dumps(obj)
