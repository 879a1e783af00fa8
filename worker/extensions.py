"""Unbound extensions: the database and the queue, bound to an app in ``init_app``."""
import contextlib
import contextvars
import logging
import weakref
from pathlib import Path

from flask import g, has_app_context, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)

# Set for requests and jobs that will write. SQLite then opens their transactions with
# BEGIN IMMEDIATE: a deferred transaction that reads first and writes later cannot wait
# for the write lock (it fails with SQLITE_BUSY), while an immediate one simply queues.
write_intent = contextvars.ContextVar("labelart_write_intent", default=False)


_WRITE_QUEUES = weakref.WeakKeyDictionary()


def write_queue_of(engine):
    """The SQLite write queue of ``engine`` (None for other databases and in-memory SQLite)."""
    return _WRITE_QUEUES.get(engine)


def _sqlite_tuning(engine, lock_path):
    """WAL for concurrent readers; transactions begun by us so ``BEGIN IMMEDIATE`` is possible."""
    from .sqlite_writes import WriteQueue

    queue = WriteQueue(lock_path) if lock_path else None
    if queue is not None:
        _WRITE_QUEUES[engine] = queue

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
        # Writers take the write lock up front: a deferred transaction that reads first and
        # writes later cannot wait for the lock (SQLITE_BUSY), an immediate one just queues.
        if write_intent.get():
            if queue is not None:
                queue.acquire()
                conn.connection.info["labelart_write_queue"] = queue
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn)
                raise
        else:
            conn.exec_driver_sql("BEGIN")

    def _release(conn):
        held = conn.connection.info.pop("labelart_write_queue", None)
        if held is not None:
            held.release()

    # SQLAlchemy fires these before it commits; committing here first (SQLAlchemy's own
    # commit then finds no open transaction and does nothing) lets the next writer in only
    # once the data is really written.
    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        if "labelart_write_queue" in conn.connection.info:
            try:
                conn.connection.dbapi_connection.commit()
            finally:
                _release(conn)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        if "labelart_write_queue" in conn.connection.info:
            try:
                conn.connection.dbapi_connection.rollback()
            finally:
                _release(conn)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        held = record.info.pop("labelart_write_queue", None)
        if held is not None:  # a connection given back mid-transaction (e.g. after an error)
            held.release()


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
    def session(self):
        if not has_app_context():
            raise RuntimeError("db.session needs an app context")
        sess = g.get("_db_session")
        if sess is None:
            sess = g._db_session = current_app.extensions["labelart_db"].Session()
        return sess

    @contextlib.contextmanager
    def writing(self):
        """A short write section: ends the current (read) transaction, then every
        transaction begun inside takes the write lock first. Commit inside the block."""
        sess = self.session
        if sess.in_transaction():
            sess.commit()
        token = write_intent.set(True)
        try:
            yield sess
        finally:
            write_intent.reset(token)

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
        _sqlite_tuning(engine, f"{path}.write-lock" if path and path != ":memory:" else None)
        return engine
    # READ COMMITTED: after waiting for a project's row lock, the next SELECT must see what
    # the previous holder committed; REPEATABLE READ would show the older snapshot.
    return create_engine(url, pool_pre_ping=True, pool_recycle=3600, pool_size=10, max_overflow=20,
                         isolation_level="READ COMMITTED")


db = Database()
