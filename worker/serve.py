"""Running the platform: ``labelart init``, ``labelart worker`` and ``labelart serve``."""
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

log = logging.getLogger(__name__)

#: How long ``serve`` waits for /api/health before saying where the logs are.
HEALTH_TIMEOUT = 120
#: How long ``worker`` waits for Redis at start (the supervised Redis may still be starting).
REDIS_WAIT = 60
CREDENTIALS_FILE = "admin-credentials.txt"


def _safe_url(url):
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _write_private(path, text):
    """Write ``text`` to ``path`` readable by the owner only (mode 600 even if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(text)


def seed_admin(app):
    """Create the first superuser unless one exists; return its credentials, or None.

    Username, password and token come from ``LABELART_ADMIN_USERNAME`` / ``_PASSWORD`` /
    ``_TOKEN`` when set; otherwise "admin" with a generated password and token.
    Raises ``ValidationError`` / ``Conflict`` (from ``create_local_user``) for bad values.
    """
    from sqlalchemy import select

    from .api.auth import issue_token
    from .api.users import create_local_user
    from .extensions import db
    from .models import User

    if db.session.execute(select(User.id).where(User.is_superuser.is_(True)).limit(1)).first():
        return None
    username = os.environ.get("LABELART_ADMIN_USERNAME") or "admin"
    password = os.environ.get("LABELART_ADMIN_PASSWORD") or secrets.token_urlsafe(15)
    user = create_local_user(db.session, username, password, is_superuser=True)
    token = issue_token(db.session, user, os.environ.get("LABELART_ADMIN_TOKEN") or None)
    db.session.commit()
    return {"username": username, "password": password, "token": token}


def sync_declared_token():
    """Make ``LABELART_ADMIN_TOKEN``, when set, a valid token of the administrator; return the
    username it was given to, or None when nothing changed.

    A deployment declares the token (Ansible keeps it in its secrets folder and hands it to
    WordPress too); deployed again with new secrets onto a host whose database already has an
    admin, the service must accept the new token or every plugin call is refused.
    Raises ``Conflict`` when the key is a token of a user who is not a superuser.
    """
    from sqlalchemy import select

    from .api.auth import issue_token
    from .errors import Conflict
    from .extensions import db
    from .models import ApiToken, User
    from .models.users import hash_token

    key = os.environ.get("LABELART_ADMIN_TOKEN")
    if not key:
        return None
    holder = db.session.execute(select(User).join(ApiToken, ApiToken.user_id == User.id)
                                .where(ApiToken.token_hash == hash_token(key))).scalar_one_or_none()
    if holder is not None:
        if not holder.is_superuser:
            raise Conflict(f"LABELART_ADMIN_TOKEN is the API token of {holder.username!r}, "
                           "who is not an administrator")
        return None
    wanted = os.environ.get("LABELART_ADMIN_USERNAME") or "admin"
    admins = db.session.execute(select(User).where(User.is_superuser.is_(True))
                                .order_by((User.username == wanted).desc(), User.id)).scalars()
    admin = admins.first()
    if admin is None:
        return None
    issue_token(db.session, admin, key)
    db.session.commit()
    return admin.username


def print_credentials(creds, path):
    click.echo(f"  username:  {creds['username']}")
    click.echo(f"  password:  {creds['password']}")
    click.echo(f"  API token: {creds['token']}  (send 'Authorization: Token <key>')")
    click.echo(f"  saved in:  {path}")


def seed_demo(app):
    """Create the demo projects (today: the music demo) unless they exist; print what was done.

    ``make run`` asks for them (``labelart serve --demo``); a second run finds them and adds nothing.
    """
    from sqlalchemy import select

    from .extensions import db, write_intent
    from .models import User
    from .synth.demo import MUSIC_TITLE, seed_music_demo

    token = write_intent.set(True)  # SQLite: take the write lock up front, as the import command does
    try:
        owner = db.session.execute(select(User).where(User.is_superuser.is_(True)).order_by(User.id)
                                   .limit(1)).scalar_one()
        project, created = seed_music_demo(db.session, owner)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        write_intent.reset(token)
    if created:
        click.echo(f"Created the demo project {MUSIC_TITLE!r} ({project.task_count} pieces): /projects/{project.id}/label")
    else:
        click.echo(f"The demo project {MUSIC_TITLE!r} exists already (project {project.id}).")
    return project


def initialize(demo=False):
    """Migrate the database, seed the first admin and, with ``demo``, the demo projects; print
    what was done. Returns new credentials or None."""
    from . import create_app
    from .migrate import upgrade

    app = create_app()
    url = app.config["DATABASE_URL"]
    upgrade(url)
    click.echo(f"Database schema is up to date ({_safe_url(url)})")
    path = Path(app.config["DATA_DIR"]) / CREDENTIALS_FILE
    with app.app_context():
        creds = seed_admin(app)
        synced = None if creds else sync_declared_token()
        if demo:
            seed_demo(app)
        from .extensions import db

        db.engine.dispose()
    if creds is None:
        click.echo("An admin user exists already.")
        if synced:
            click.echo(f"Gave {synced!r} the API token in LABELART_ADMIN_TOKEN (it replaces the old ones).")
        return None
    _write_private(path, "".join(f"{k}={v}\n" for k, v in creds.items()))
    click.echo(f"Created the first admin user {creds['username']!r}:")
    print_credentials(creds, path)
    return creds


DEMO = click.option("--demo", is_flag=True,
                    help="Also create the demo projects (a music project from `labelart synth music`) "
                         "unless they exist. `make run` passes it.")


@click.command("init")
@DEMO
def init_cmd(demo):
    """Migrate the database and create the first admin.

    \b
    Runs the Alembic migrations on DATABASE_URL (default: a SQLite file in
    LABELART_DATA_DIR). If no superuser exists, creates one from
    LABELART_ADMIN_USERNAME / LABELART_ADMIN_PASSWORD / LABELART_ADMIN_TOKEN,
    or "admin" with a generated password and API token, prints them and saves
    them in LABELART_DATA_DIR/admin-credentials.txt (mode 600). If one exists
    and LABELART_ADMIN_TOKEN is set but not yet valid, the administrator gets
    that token in place of the old ones (a deployment with new secrets).
    With --demo, also creates the "Music demo" project: six pieces from
    `labelart synth music` with their truth as pre-labels.
    Safe to run again: a second run changes nothing.
    """
    from .errors import APIError

    try:
        initialize(demo)
    except APIError as exc:
        raise click.ClickException(exc.detail) from exc


def wait_for_redis(conn, timeout):
    """Ping until Redis answers; raises ``click.ClickException`` after ``timeout`` seconds."""
    from redis.exceptions import RedisError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return conn.ping()
        except (RedisError, OSError) as exc:
            if time.monotonic() > deadline:
                raise click.ClickException(f"the queue (Redis) is unreachable: {exc}") from exc
            time.sleep(0.5)


def requeue_webhooks(app):
    """Send webhook deliveries left pending while Redis was down (best effort: never stops the worker)."""
    from .extensions import db
    from .services.events import requeue_pending

    try:
        queued = requeue_pending(db.session)
        if queued:
            log.info("requeued %d pending webhook deliveries", queued)
    except Exception:  # noqa: BLE001 - the worker must start even if this fails
        log.exception("could not requeue pending webhook deliveries")
        db.session.rollback()


def preload_models():
    """Import PyTorch and the bundled models' code once in the worker, before RQ forks a work
    horse per job: each horse then starts with them loaded instead of importing them again
    (`python -m bench.worker_preload` measures it). Importing starts no torch threads, so the
    fork is safe."""
    import ml_backend.models  # noqa: F401
    import ml_backend.nets  # noqa: F401  (imports torch; the models import it lazily)


@click.command("worker")
@click.option("--queues", default="default,imports,exports,webhooks,ml", show_default=True,
              help="Comma-separated queues to work on, highest priority first.")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--wait", "wait_s", type=click.IntRange(0), default=REDIS_WAIT, show_default=True,
              help="Seconds to wait for Redis to answer before giving up.")
def worker_cmd(queues, burst, wait_s):
    """Run an RQ worker.

    It works on the configured Redis (embedded unless REDIS_URL is set). At start it queues webhook deliveries left pending while Redis was down.
    Supervisor runs RQ_WORKERS of these under `labelart serve`.
    """
    from rq import Worker

    from .extensions import db
    from .jobs import get_app
    from .queue import QUEUE_NAMES, get_redis

    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUE_NAMES))
    if not names or unknown:
        raise click.BadParameter(f"unknown queue(s) {unknown}; choose from {', '.join(QUEUE_NAMES)}",
                                 param_hint="--queues")
    app = get_app()
    with app.app_context():
        conn = get_redis()
        wait_for_redis(conn, wait_s)
        requeue_webhooks(app)
        # Work horses are forked: they must not share the parent's database connections.
        db.engine.dispose()
    if "ml" in names:
        preload_models()
    Worker(names, connection=conn).work(burst=burst, with_scheduler=True)


def local_url(config):
    """The web process's own address (a wildcard bind is reached on loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(config["HOST"], config["HOST"])
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config['PORT']}"


def wait_healthy(url, proc, timeout):
    """Poll ``url`` until it answers 200; False if ``proc`` exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def forward_signals(proc):
    """Pass SIGINT/SIGTERM/SIGHUP on to supervisord, which stops (or reloads) its programs."""

    def forward(signum, _frame):
        if proc.poll() is None:
            proc.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)


@click.command("serve")
@click.option("--no-init", is_flag=True, help="Skip `labelart init` (migrations and the first admin).")
@DEMO
def serve_cmd(no_init, demo):
    """Run the whole platform under Supervisor (Ctrl-C stops it).

    \b
    Runs `labelart init` (with --demo: `labelart init --demo`), writes
    LABELART_DATA_DIR/run/supervisord.conf and starts supervisord with
    these programs (logs in LABELART_DATA_DIR/logs):
      redis     the embedded Redis, on a unix socket in the data dir
                (only when REDIS_URL is unset)
      web       gunicorn on LABELART_HOST:LABELART_PORT (127.0.0.1:8080),
                LABELART_WEB_WORKERS processes x 4 threads
      rqworker  LABELART_RQ_WORKERS x `labelart worker`
    When /api/health answers it prints the URL (and the admin's login and
    token if init just created them). Control it meanwhile with:
      python -m supervisor.supervisorctl -c DATA_DIR/run/supervisord.conf status
    """
    from . import supervisor_conf
    from .config import load_config

    if no_init and demo:
        raise click.UsageError("--demo needs init; leave out --no-init")
    creds = None if no_init else initialize(demo)
    config = load_config()
    conf = supervisor_conf.write(config)
    click.echo(f"Starting supervisord ({conf})")
    proc = subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(conf)])
    forward_signals(proc)
    local = local_url(config)
    url = (config.get("PUBLIC_URL") or local).rstrip("/")
    if wait_healthy(f"{local}/api/health", proc, HEALTH_TIMEOUT):
        click.echo(f"\nLabel.Art is running at {url}/  (Ctrl-C stops it)")
        if creds:
            click.echo("Log in as the new admin:")
            print_credentials(creds, Path(config["DATA_DIR"]) / CREDENTIALS_FILE)
    elif proc.poll() is None:
        click.echo(f"{local}/api/health did not answer 200 within {HEALTH_TIMEOUT} s; "
                   f"see the logs in {supervisor_conf.log_dir(config)}", err=True)
    sys.exit(proc.wait())
