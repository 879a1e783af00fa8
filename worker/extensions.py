"""Unbound extensions: the database and the queue, bound to an app in ``init_app``."""
import logging
from pathlib import Path

from flask import g, has_app_context, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)


def _sqlite_tuning(engine):
    """WAL for concurrent readers; transactions begun by us so ``BEGIN IMMEDIATE`` is possible."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # pysqlite would otherwise BEGIN lazily on its own
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers that must see a stable queue (the labeling stream, imports) take the
        # write lock up front; otherwise two readers upgrading at once deadlock-retry.
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """Engine + session factory. ``db.session`` is one session per app context."""

    def __init__(self):
        self.engine = None
        self.Session = None

    def init_app(self, app):
        url = app.config["DATABASE_URL"]
        self.engine = make_engine(url)
        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["labelart_db"] = self
        app.teardown_appcontext(self._close)

    @property
    def is_sqlite(self):
        return self.engine.dialect.name == "sqlite"

    @property
    def session(self):
        if not has_app_context():
            raise RuntimeError("db.session needs an app context")
        sess = g.get("_db_session")
        if sess is None:
            sess = g._db_session = current_app.extensions["labelart_db"].Session()
        return sess

    def immediate_session(self):
        """A fresh session whose transaction takes the write lock first (SQLite) and
        runs READ COMMITTED (MariaDB), for short serialised critical sections."""
        db_ = current_app.extensions["labelart_db"]
        if db_.is_sqlite:
            conn = db_.engine.connect().execution_options(immediate=True)
        else:
            conn = db_.engine.connect().execution_options(isolation_level="READ COMMITTED")
        return db_.Session(bind=conn), conn

    def _close(self, _exc):
        sess = g.pop("_db_session", None)
        if sess is not None:
            sess.close()


def make_engine(url):
    """Create an engine tuned for the backend named by ``url``."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                               pool_size=16, max_overflow=16)
        _sqlite_tuning(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=3600, pool_size=10, max_overflow=20)


db = Database()
