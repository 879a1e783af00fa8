"""Setting up projects for browser tests, and reading back what the browser saved."""
import orjson
from sqlalchemy import select

from worker.extensions import db
from worker.models import Annotation, Membership, Task

from .conftest import wait_until


def make_project(s, config, title="Project", members=("annotator", "reviewer"), tasks=None, **fields):
    """A project made through the API (setup for what the test clicks through)."""
    resp = s.api("POST", "/api/projects", json={"title": title, "label_config": config, **fields})
    assert resp.status_code == 201, resp.text
    pid = resp.json()["id"]
    for name in members:
        role = "reviewer" if name == "reviewer" else "annotator"
        r = s.api("POST", f"/api/projects/{pid}/members", json={"user": name, "role": role})
        assert r.status_code == 201, r.text
    if tasks:
        r = s.api("POST", f"/api/projects/{pid}/import", json=tasks)
        assert r.status_code == 201, r.text
    return pid


def task_ids(live, pid):
    with live.db():
        return list(db.session.execute(select(Task.id).where(Task.project_id == pid).order_by(Task.id)).scalars())


def annotations(live, pid, **where):
    """Annotations of a project as dicts (result decoded), oldest first."""
    with live.db():
        q = select(Annotation).where(Annotation.project_id == pid)
        for key, value in where.items():
            q = q.where(getattr(Annotation, key) == value)
        rows = db.session.execute(q.order_by(Annotation.id)).scalars().all()
        return [{"id": a.id, "task": a.task_id, "user": a.completed_by, "result": orjson.loads(a.result),
                 "lead_time": a.lead_time, "was_cancelled": a.was_cancelled, "key": a.idempotency_key,
                 "parent_prediction": a.parent_prediction, "review_status": a.review_status,
                 "review_comment": a.review_comment, "reviewed_by": a.reviewed_by} for a in rows]


def wait_annotations(live, pid, n, **where):
    return wait_until(lambda: (lambda rows: rows if len(rows) >= n else None)(annotations(live, pid, **where)))


def is_member(live, pid, user_id):
    with live.db():
        return db.session.execute(select(Membership.role).where(
            Membership.project_id == pid, Membership.user_id == user_id)).scalar_one_or_none()


def editor_ready(page, task_id=None):
    """Wait until the editor has mounted a task (the workspace marks #editor[data-ready])."""
    if task_id is None:
        page.wait_for_function("() => { const r = document.getElementById('editor').dataset.ready;"
                               " return r && r !== 'done'; }")
    else:
        page.wait_for_function(f"() => document.getElementById('editor').dataset.ready === '{task_id}'")
    return int(page.eval_on_selector("#editor", "e => e.dataset.taskId || e.dataset.annotationId || 0"))


def drag(page, box, points):
    """Press at the first of ``points`` (fractions of ``box``: x, y, width, height in page pixels),
    move through the rest in small steps, release: how a person draws or moves a region."""
    def at(fx, fy):
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*at(*point), steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)
