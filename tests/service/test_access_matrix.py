"""Every project-scoped endpoint refuses non-members with 404 and low roles with 403."""
import pytest

from .factories import TEXT_CONFIG, add_member, make_project, make_user

CHOICE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]

# (method, path, body, lowest role allowed)
ENDPOINTS = [
    ("get", "/api/projects/{pid}", None, "annotator"),
    ("patch", "/api/projects/{pid}", {"title": "x"}, "manager"),
    ("get", "/api/projects/{pid}/members", None, "annotator"),
    ("post", "/api/projects/{pid}/members", {"user": "other", "role": "annotator"}, "manager"),
    ("post", "/api/projects/{pid}/import", [{"text": "new"}], "manager"),
    ("get", "/api/tasks?project={pid}", None, "annotator"),
    ("get", "/api/projects/{pid}/next", None, "annotator"),
    ("get", "/api/tasks/{tid}", None, "annotator"),
    ("patch", "/api/tasks/{tid}", {"data": {"text": "changed"}}, "manager"),
    ("get", "/api/tasks/{tid}/annotations", None, "annotator"),
    ("post", "/api/tasks/{tid}/annotations", {"result": CHOICE}, "annotator"),
    ("get", "/api/annotations/{aid}", None, "annotator"),
    ("patch", "/api/annotations/{aid}", {"ground_truth": True}, "reviewer"),
    ("get", "/api/predictions?task={tid}", None, "annotator"),
    ("post", "/api/predictions", {"task": "{tid}", "result": CHOICE, "score": 0.5}, "reviewer"),
    ("get", "/api/predictions/{prid}", None, "annotator"),
    ("patch", "/api/predictions/{prid}", {"score": 0.9}, "reviewer"),
    ("get", "/api/projects/{pid}/export", None, "reviewer"),
    ("post", "/api/projects/{pid}/exports", {"exportType": "JSON"}, "reviewer"),
    ("get", "/api/projects/{pid}/exports", None, "reviewer"),
    ("get", "/api/projects/{pid}/export/formats", None, "annotator"),
    ("delete", "/api/predictions/{prid}", None, "reviewer"),
    ("delete", "/api/annotations/{aid}", None, "reviewer"),
    ("delete", "/api/tasks/{tid}", None, "manager"),
    ("delete", "/api/projects/{pid}/tasks", None, "manager"),
    ("delete", "/api/projects/{pid}", None, "manager"),
]
RANK = {"annotator": 0, "reviewer": 1, "manager": 2}


@pytest.fixture
def world(app, client):
    owner = make_user(app, client, "owner")
    make_user(app, client, "other")
    pid = make_project(owner, TEXT_CONFIG)["id"]
    owner.post(f"/api/projects/{pid}/import",
               json=[{"data": {"text": "a"}, "annotations": [{"result": CHOICE}],
                      "predictions": [{"result": CHOICE, "score": 0.3}]},
                     {"text": "unlabeled, for /next"}])
    task = owner.get(f"/api/tasks/?project={pid}&fields=all").get_json()["tasks"][0]
    ids = {"pid": pid, "tid": task["id"], "aid": task["annotations"][0]["id"], "prid": task["predictions"][0]["id"]}
    return owner, ids


def _fill(value, ids):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") and value.endswith("}") else value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, body, allowed", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
@pytest.mark.parametrize("role", [None, "annotator", "reviewer", "manager"])
def test_access(app, client, world, method, path, body, allowed, role):
    _, ids = world
    caller = make_user(app, client, f"caller-{role}")
    if role:
        add_member(app, ids["pid"], caller, role)
    url = path.format(**ids)
    kwargs = {"json": _fill(body, ids)} if body is not None else {}
    status = getattr(caller, method)(url, **kwargs).status_code
    if role is None:
        assert status == 404, (url, status)
    elif RANK[role] < RANK[allowed]:
        assert status == 403, (url, role, status)
    else:
        assert status in (200, 201, 202, 204), (url, role, status)
