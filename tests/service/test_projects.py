"""Projects API: happy paths, validation and membership checks."""
import pytest

from .factories import IMAGE_CONFIG, TEXT_CONFIG, add_member, make_project, make_user


@pytest.fixture
def owner(app, client):
    return make_user(app, client, "owner")


def test_create_list_get_update_delete(app, client, owner):
    project = make_project(owner, IMAGE_CONFIG, title="Shapes", overlap=2)
    assert project["title"] == "Shapes" and project["maximum_annotations"] == 2
    listing = owner.get("/api/projects/").get_json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == project["id"]
    assert listing["next"] is None and listing["previous"] is None
    resp = owner.patch(f"/api/projects/{project['id']}", json={"title": "Shapes 2", "sampling": "random"})
    assert resp.status_code == 200
    assert resp.get_json()["title"] == "Shapes 2"
    assert resp.get_json()["sampling"] == "Uniform sampling"
    assert owner.delete(f"/api/projects/{project['id']}/").status_code == 204
    assert owner.get(f"/api/projects/{project['id']}").status_code == 404


def test_both_slash_forms_without_redirect(app, client, owner):
    assert owner.post("/api/projects", json={"label_config": TEXT_CONFIG}).status_code == 201
    assert owner.post("/api/projects/", json={"label_config": TEXT_CONFIG}).status_code == 201


@pytest.mark.parametrize("config, needle", [
    ("<View><Image name='i' value='$image'/><Choices name='c' toName='nope'><Choice value='a'/></Choices></View>",
     "names no object"),
    ("<View><Image name='i' value='$image'/><Image name='i' value='$x'/></View>", "duplicate name"),
    ("<View><Bogus name='b'/></View>", "unknown tag <Bogus>"),
    ("<?xml version='1.0'?><!DOCTYPE v [<!ENTITY a 'aaaa'>]><View><Text name='t' value='&a;'/></View>",
     "DTD or entities"),
    ("<View><Image name='i' value='$image'>", "not well-formed"),
    ("<View></View>", "no object tag"),
])
def test_bad_configs_are_named(app, client, owner, config, needle):
    resp = owner.post("/api/projects", json={"label_config": config})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "invalid_label_config"
    assert needle in body["detail"]


def test_non_members_get_404_and_low_roles_403(app, client, owner):
    project = make_project(owner)
    stranger = make_user(app, client, "stranger")
    annotator = make_user(app, client, "annotator")
    add_member(app, project["id"], annotator, "annotator")
    pid = project["id"]
    assert stranger.get(f"/api/projects/{pid}").status_code == 404
    assert stranger.patch(f"/api/projects/{pid}", json={"title": "x"}).status_code == 404
    assert stranger.get("/api/projects").get_json()["count"] == 0
    assert annotator.get(f"/api/projects/{pid}").status_code == 200
    assert annotator.patch(f"/api/projects/{pid}", json={"title": "x"}).status_code == 403
    assert annotator.delete(f"/api/projects/{pid}").status_code == 403


def test_members_endpoint(app, client, owner):
    project = make_project(owner)
    other = make_user(app, client, "other")
    resp = owner.post(f"/api/projects/{project['id']}/members", json={"user": "other", "role": "reviewer"})
    assert resp.status_code == 201 and resp.get_json()["role"] == "reviewer"
    roles = {m["username"]: m["role"] for m in owner.get(f"/api/projects/{project['id']}/members").get_json()}
    assert roles == {"owner": "manager", "other": "reviewer"}
    assert other.get(f"/api/projects/{project['id']}").status_code == 200
    assert owner.post(f"/api/projects/{project['id']}/members", json={"user": "other", "role": "god"}).status_code == 400


def test_unauthenticated_and_bad_token(client):
    assert client.get("/api/projects").status_code == 401
    resp = client.get("/api/projects", headers={"Authorization": "Token nope"})
    assert resp.status_code == 401 and resp.get_json()["detail"] == "Invalid token"
