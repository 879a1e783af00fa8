"""`labelart serve` with DATABASE_URL (MariaDB) and REDIS_URL (a Debian redis-server)."""
import os
import shutil
import signal
import subprocess
import time

import pytest
import requests
from sqlalchemy import text

from tests.conftest import MYSQL_URL
from worker.extensions import make_engine

from .test_make_run import (COMMAND, CONFIG, ROOT, STOP_TIMEOUT, alive, clean_env, descendants, free_port,
                            wait_running)

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_server_url(tmp_path):
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def mariadb_url():
    from sqlalchemy.engine import make_url

    base = make_url(MYSQL_URL)
    name = f"labelart_serve_{os.getpid()}"
    admin = make_engine(base.set(database="").render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


def test_serve_on_mariadb_and_redis_server(tmp_path, mariadb_url, redis_server_url):
    data, port = tmp_path / "data", free_port()
    out_path = tmp_path / "serve.out"
    env = clean_env(data, port, LABELART_ADMIN_TOKEN="maria-token", LABELART_ADMIN_PASSWORD="maria-pass-1")
    env.update(DATABASE_URL=mariadb_url, REDIS_URL=redis_server_url)
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(COMMAND + ["serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    procs = {}
    try:
        wait_running(proc, out_path, port)
        procs = descendants(proc.pid)
        assert not any("redis-server" in c for c in procs.values())  # the configured server is used
        base = f"http://127.0.0.1:{port}/api"
        auth = {"Authorization": "Token maria-token"}
        pid = requests.post(f"{base}/projects", json={"title": "M", "label_config": CONFIG}, headers=auth,
                            timeout=10).json()["id"]
        resp = requests.post(f"{base}/projects/{pid}/import?async=true", headers=auth, timeout=10,
                             json=[{"image": f"/img/{i}.png"} for i in range(500)])
        assert resp.status_code == 202, resp.text
        job_url = f"http://127.0.0.1:{port}{resp.json()['url']}"
        deadline = time.monotonic() + 60
        while requests.get(job_url, headers=auth, timeout=10).json()["status"] != "completed":
            assert time.monotonic() < deadline, requests.get(job_url, headers=auth, timeout=10).text
            time.sleep(0.3)
        listing = requests.get(f"{base}/tasks?project={pid}&page_size=5", headers=auth, timeout=10).json()
        assert listing["total"] == 500 and listing["tasks"][0]["data"]["image"] == "/img/0.png"
        engine = make_engine(mariadb_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM tasks")).scalar_one() == 500
        engine.dispose()
    finally:
        procs.update(descendants(proc.pid))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while alive(procs) and time.monotonic() < deadline:
            time.sleep(0.2)
        for left in alive(procs):
            os.kill(left, signal.SIGKILL)
    assert proc.returncode == 0
