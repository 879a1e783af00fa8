"""The OpenAPI document matches the routes, and errors are JSON everywhere."""
import re

import pytest


@pytest.fixture
def doc(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def test_every_api_route_is_documented_and_nothing_else(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and not rule.rule.endswith("/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    assert ("/api/projects/{project_id}/next", "get") in documented
    assert doc["paths"]["/api/tasks"]["get"]["summary"].startswith("Tasks of ?project=ID")
    params = doc["paths"]["/api/tasks/{task_id}"]["get"]["parameters"]
    assert params == [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def test_json_errors_without_tracebacks(client):
    resp = client.get("/api/no-such-thing")
    assert resp.status_code == 404 and set(resp.get_json()) == {"error", "detail"}
    resp = client.delete("/api/health")
    assert resp.status_code == 405 and resp.get_json()["error"] == "method_not_allowed"
    resp = client.post("/api/projects", data="{not json", headers={"Authorization": "Token x"})
    assert resp.status_code == 401
