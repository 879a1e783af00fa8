"""`labelart serve` (what `make run` starts): the whole platform comes up, works, and stops cleanly.

A real supervisord with real Redis, gunicorn and RQ worker processes, on a free port and a
temporary data directory. Stopping is checked on every process it started, not only the
process group: Supervisor puts each program in a group of its own.
"""
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "labelart"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "worker"]
START_TIMEOUT = 120
STOP_TIMEOUT = 20
CONFIG = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
          '<Label value="circle"/></RectangleLabels></View>')

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(data_dir, port, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LABELART_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LABELART_DATA_DIR=str(data_dir), LABELART_HOST="127.0.0.1", LABELART_PORT=str(port),
               LABELART_WEB_WORKERS="1", LABELART_RQ_WORKERS="2", **extra)
    return env


def process_table():
    """{pid: (ppid, state, command line)} for every live process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        table[int(entry.name)] = (int(fields[1]), fields[0], cmd)
    return table


def descendants(pid):
    table = process_table()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _state, cmd) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                frontier.append(child)
    return found


def alive(pids):
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def read_output(path):
    return path.read_text(errors="replace")


def wait_running(proc, out_path, port):
    """Wait for serve's "running" line and a 200 from /api/health; return serve's output."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited early:\n{read_output(out_path)}"
        if "Label.Art is running at" in read_output(out_path):
            resp = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
            assert resp.status_code == 200 and resp.json()["queue"] == "UP", resp.text
            return read_output(out_path)
        time.sleep(0.5)
    pytest.fail(f"not healthy within {START_TIMEOUT} s:\n{read_output(out_path)}")


@pytest.fixture
def served(tmp_path):
    """Start `labelart serve` in a session of its own; kill what is left of it afterwards."""
    data, port = tmp_path / "data", free_port()
    out_path = tmp_path / "serve.out"
    started = {}
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(COMMAND + ["serve"], cwd=ROOT, env=clean_env(data, port), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield {"proc": proc, "data": data, "port": port, "out": out_path, "started": started}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in alive(started):
            os.kill(pid, signal.SIGKILL)


def check_running(served):
    output = wait_running(served["proc"], served["out"], served["port"])
    data = served["data"]
    creds = dict(line.split("=", 1) for line in (data / "admin-credentials.txt").read_text().splitlines())
    assert creds["username"] == "admin"
    assert f"API token: {creds['token']}" in output.split("Label.Art is running at", 1)[1]
    for path, mode in [(data / "admin-credentials.txt", 0o600), (data / "run", 0o700),
                       (data / "run" / "supervisord.conf", 0o600), (data / "run" / "supervisor.sock", 0o700)]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    return creds


def test_serve_runs_the_platform_and_ctrl_c_stops_everything(served):
    creds = check_running(served)
    base = f"http://127.0.0.1:{served['port']}/api"
    auth = {"Authorization": f"Token {creds['token']}"}
    me = requests.get(f"{base}/current-user/whoami", headers=auth, timeout=10).json()
    assert me["username"] == "admin" and me["is_superuser"] is True
    resp = requests.post(f"{base}/projects", json={"title": "Shapes", "label_config": CONFIG}, headers=auth,
                         timeout=10)
    assert resp.status_code == 201, resp.text
    listing = requests.get(f"{base}/projects", headers=auth, timeout=10).json()
    assert [p["title"] for p in listing["results"]] == ["Shapes"]
    assert requests.get(f"{base}/projects", headers={"Authorization": "Token nope"}, timeout=10).status_code == 401

    # The RQ workers consume the supervised Redis.
    from redis import Redis
    from rq import Queue

    conn = Redis(unix_socket_path=str(served["data"] / "redis.sock"))
    job = Queue("default", connection=conn).enqueue("os.getpid")
    deadline = time.monotonic() + 30
    while job.get_status(refresh=True) != "finished" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.get_status() == "finished"
    conn.close()

    procs = descendants(served["proc"].pid)
    served["started"].update(procs)
    commands = " | ".join(procs.values())
    assert "supervisord" in commands and "redis-server" in commands and "gunicorn" in commands
    assert sum("-m worker worker" in c for c in procs.values()) >= 2
    os.killpg(served["proc"].pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    assert served["proc"].wait(timeout=STOP_TIMEOUT) == 0
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(procs), {pid: procs[pid] for pid in alive(procs)}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/health", timeout=2)


@pytest.mark.parametrize("target, signum", [("serve", signal.SIGTERM), ("supervisord", signal.SIGINT)])
def test_a_signal_to_one_process_stops_everything(served, target, signum):
    check_running(served)
    procs = descendants(served["proc"].pid)
    served["started"].update(procs)
    if target == "serve":  # e.g. a service manager stopping it
        served["proc"].send_signal(signum)
    else:
        pid = int((served["data"] / "run" / "supervisord.pid").read_text())
        assert "supervisord" in procs[pid]
        os.kill(pid, signum)
    assert served["proc"].wait(timeout=STOP_TIMEOUT) == 0
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(procs), {pid: procs[pid] for pid in alive(procs)}


def run_init(data, **extra):
    result = subprocess.run(COMMAND + ["init"], cwd=ROOT, env=clean_env(data, free_port(), **extra),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_init_is_idempotent(tmp_path):
    data = tmp_path / "data"
    first = run_init(data)
    assert "Created the first admin user 'admin'" in first
    saved = (data / "admin-credentials.txt").read_text()
    token = re.search(r"token=(\S+)", saved).group(1)
    assert f"API token: {token}" in first
    second = run_init(data)
    assert "An admin user exists already" in second and "Created" not in second
    assert (data / "admin-credentials.txt").read_text() == saved


def test_init_takes_the_admin_from_the_environment(tmp_path):
    data = tmp_path / "data"
    output = run_init(data, LABELART_ADMIN_USERNAME="root-ish", LABELART_ADMIN_PASSWORD="correct horse",
                      LABELART_ADMIN_TOKEN="t0k3n-from-env")
    assert "'root-ish'" in output and "t0k3n-from-env" in output
    from worker import create_app
    from worker.extensions import db
    from worker.models import User, hash_token, ApiToken

    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'labelart.sqlite3'}"})
    with app.app_context():
        user = db.session.query(User).filter_by(username="root-ish").one()
        assert user.is_superuser and user.check_password("correct horse")
        assert db.session.query(ApiToken).filter_by(user_id=user.id).one().token_hash == hash_token("t0k3n-from-env")
    db.engine.dispose()


def test_init_gives_the_admin_a_newly_declared_token(tmp_path):
    """A deployment run again with new secrets declares a new token; the old one stops working."""
    data = tmp_path / "data"
    run_init(data, LABELART_ADMIN_TOKEN="first-declared-token")
    changed = run_init(data, LABELART_ADMIN_TOKEN="second-declared-token")
    assert "Gave 'admin' the API token in LABELART_ADMIN_TOKEN" in changed
    assert "Gave" not in run_init(data, LABELART_ADMIN_TOKEN="second-declared-token")
    from worker import create_app
    from worker.extensions import db
    from worker.models import ApiToken, User, hash_token

    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'labelart.sqlite3'}"})
    with app.app_context():
        admin = db.session.query(User).filter_by(username="admin").one()
        hashes = {t.token_hash for t in db.session.query(ApiToken).filter_by(user_id=admin.id)}
        assert hashes == {hash_token("second-declared-token")}
        member = User(username="member", is_superuser=False)
        db.session.add(member)
        db.session.flush()
        db.session.add(ApiToken(user_id=member.id, token_hash=hash_token("a-member-token")))
        db.session.commit()
    db.engine.dispose()
    refused = subprocess.run(COMMAND + ["init"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env=clean_env(data, free_port(), LABELART_ADMIN_TOKEN="a-member-token"))
    assert refused.returncode != 0 and "not an administrator" in refused.stderr
