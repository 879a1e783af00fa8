"""Sessions, CSRF, tokens, users and the health check."""
from .factories import make_project, make_user


def test_health_up(client):
    resp = client.get("/api/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "UP", "database": "UP", "queue": "UP"}


def test_session_login_needs_csrf_for_writes(app, client):
    make_user(app, client, "alice")
    assert client.post("/api/auth/login", json={"username": "alice", "password": "wrong-pass"}).status_code == 401
    resp = client.post("/api/auth/login", json={"username": "alice", "password": "password-123"})
    assert resp.status_code == 200
    csrf = resp.get_json()["csrf_token"]
    assert client.get("/api/current-user/whoami").get_json()["username"] == "alice"
    assert client.post("/api/projects", json={"title": "x"}).status_code == 403
    resp = client.post("/api/projects", json={"title": "x"}, headers={"X-CSRFToken": csrf})
    assert resp.status_code == 201
    client.post("/api/auth/logout", headers={"X-CSRFToken": csrf})
    assert client.get("/api/current-user/whoami").status_code == 401


def test_login_page(app, client):
    make_user(app, client, "bob")
    form = client.get("/user/login").data
    assert b'name="username"' in form and b'name="password"' in form
    resp = client.post("/user/login", data={"username": "bob", "password": "nope"})
    assert resp.status_code == 401 and b"Wrong username or password" in resp.data
    resp = client.post("/user/login", data={"username": "bob", "password": "password-123"})
    assert resp.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and b"bob" in home.data


def test_token_reset_and_whoami(app, client):
    api = make_user(app, client, "carol")
    new = api.post("/api/current-user/reset-token").get_json()["token"]
    assert api.get("/api/current-user/whoami").status_code == 401  # old token replaced
    resp = client.get("/api/current-user/whoami", headers={"Authorization": f"Token {new}"})
    assert resp.get_json()["username"] == "carol"


def test_only_admins_manage_users(app, client):
    admin = make_user(app, client, "root", superuser=True)
    plain = make_user(app, client, "plain")
    assert plain.post("/api/users", json={"username": "x", "password": "password-1"}).status_code == 403
    resp = admin.post("/api/users", json={"username": "dave", "password": "password-1"})
    assert resp.status_code == 201
    assert admin.post("/api/users", json={"username": "dave", "password": "password-1"}).status_code == 409
    assert admin.post("/api/users", json={"username": "eve", "password": "short"}).status_code == 400
    assert "dave" in [u["username"] for u in admin.get("/api/users").get_json()]
    project = make_project(plain)
    assert admin.get(f"/api/projects/{project['id']}").status_code == 200  # admins see every project


def test_secrets_generated_private(app):
    import os
    import stat
    from pathlib import Path

    path = Path(app.config["DATA_DIR"]) / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(app.secret_key) > 40
