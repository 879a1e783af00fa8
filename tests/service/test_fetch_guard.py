"""The SSRF guard against a real HTTP receiver on 127.0.0.1.

Nothing here may open a connection beyond 127.0.0.0/8: ``loopback_only`` fails any test that
tries, so every refusal of a private or reserved address is proven to happen before connecting.
Names ending in ``.test`` are answered by ``fake_dns`` (the system resolver is not ours to control).
"""
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from worker.errors import FetchBlocked
from worker.net.fetch_guard import FetchFailed, allow_list, check_url, fetch

from .factories import make_user

LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")
_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


@dataclass
class Seen:
    method: str
    path: str
    headers: Message
    body: bytes


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers per path.

    ``routes[path] = (status, headers, body)``; a header value of None leaves that header out
    (``Content-Length: None`` streams the body until the connection closes).
    """

    def __init__(self):
        self.requests = []
        self.routes = {}
        self.default = (200, {"Content-Type": "application/json"}, b'{"ok": true}')
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append(Seen(self.command, self.path, self.headers, body))
                status, headers, payload = receiver.routes.get(self.path, receiver.default)
                headers = {"Content-Length": str(len(payload)), **headers}
                self.send_response(status)
                for name, value in headers.items():
                    if value is not None:
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args):
                """Quiet: the test asserts on ``requests`` instead."""

        return Handler


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Safety net: fail the test on any TCP connection outside 127.0.0.0/8."""

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            ip = ipaddress.ip_address(address[0].split("%")[0])
            if ip.version != 4 or ip not in LOOPBACK_V4:
                raise AssertionError(f"the test tried to connect to {address}")
        return _real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def fake_dns(monkeypatch):
    """``table[name] = [addresses]`` (or a callable returning them) answers names ending in .test."""
    table = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if not (isinstance(host, str) and host.endswith(".test")):
            return _real_getaddrinfo(host, port, *args, **kwargs)
        answers = table.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = answers() if callable(answers) else answers
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


BLOCKED = [
    ("http://127.0.0.1:{port}/", "loopback"),
    ("http://127.1:{port}/", "loopback"),
    ("http://2130706433:{port}/", "loopback"),
    ("http://0x7f000001:{port}/", "loopback"),
    ("http://localhost:{port}/", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.64.0.1/", "shared"),
    ("http://0.0.0.0:{port}/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "private"),
    ("http://[::1]:{port}/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]:{port}/", "loopback address, 127.0.0.1 embedded in IPv6"),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[fd00::1]/", "private"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[2002:7f00:1::1]/", "loopback address, 127.0.0.1 embedded"),
    ("http://[64:ff9b::a00:1]/", "private address, 10.0.0.1 embedded"),
    ("https://10.0.0.1/", "private"),
]


@pytest.mark.parametrize("template, reason", BLOCKED)
def test_private_and_reserved_addresses_refused_before_connecting(receiver, template, reason):
    url = template.format(port=receiver.port)
    with pytest.raises(FetchBlocked, match=reason) as err:
        check_url(url, [])
    assert "refused" in err.value.detail and "an administrator can allow it" in err.value.detail
    with pytest.raises(FetchBlocked, match=reason):
        fetch("GET", url, allow=[])
    assert receiver.requests == []


def test_the_message_names_the_host_and_address(fake_dns):
    fake_dns["metadata.test"] = ["169.254.169.254"]
    with pytest.raises(FetchBlocked) as err:
        check_url("http://metadata.test/latest/", [])
    assert err.value.detail == ("fetch of metadata.test refused: it resolves to 169.254.169.254 "
                                "(link-local address); an administrator can allow it")
    assert err.value.status == 400 and err.value.code == "fetch_blocked"


def test_a_name_is_refused_if_any_of_its_addresses_is_private(fake_dns):
    fake_dns["public.test"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    fake_dns["mixed.test"] = ["93.184.216.34", "10.0.0.1"]
    target = check_url("https://public.test/x?y=1", [])
    assert (str(target.ip), target.host, target.port, target.path) == ("93.184.216.34", "public.test", 443, "/x?y=1")
    with pytest.raises(FetchBlocked, match="mixed.test refused: it resolves to 10.0.0.1"):
        check_url("https://mixed.test/", [])


@pytest.mark.parametrize("url, needle", [
    ("file:///etc/passwd", "not file:"),
    ("ftp://127.0.0.1/", "not ftp:"),
    ("gopher://127.0.0.1:6379/_INFO", "not gopher:"),
    ("dict://127.0.0.1:11211/", "not dict:"),
    ("javascript:alert(1)", "not javascript:"),
    ("//127.0.0.1/", "without a scheme"),
    ("/relative/path", "without a scheme"),
    ("http:///nohost", "has no host"),
    ("http://example.org:99999/", "Port out of range"),
    ("http://example.org/a b", "whitespace or control"),
    ("http://example.org/\r\nX-Injected: 1", "whitespace or control"),
    ("", "URL is empty"),
])
def test_only_well_formed_http_urls(url, needle):
    with pytest.raises(FetchBlocked, match=needle):
        check_url(url, [])


def test_allow_list_by_cidr(receiver):
    result = fetch("GET", receiver.url("/ok?x=1"), allow=["127.0.0.0/8"])
    assert (result.status, result.json()) == (200, {"ok": True})
    seen = receiver.requests[0]
    assert (seen.method, seen.path, seen.headers["Host"]) == ("GET", "/ok?x=1", f"127.0.0.1:{receiver.port}")
    with pytest.raises(FetchBlocked, match="loopback"):
        fetch("GET", receiver.url(), allow=["10.0.0.0/8", "::1"])
    assert len(receiver.requests) == 1


def test_allow_list_by_host_sends_the_name_as_host_header(receiver, fake_dns):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    url = receiver.url("/hook", host="hooks.test")
    with pytest.raises(FetchBlocked, match="hooks.test refused"):
        fetch("POST", url, allow=["other.test"], body=b"{}")
    result = fetch("POST", url, allow=["HOOKS.test."], body=b'{"a": 1}', headers={"Host": "evil.test"})
    assert result.status == 200
    seen = receiver.requests[-1]
    assert (seen.method, seen.body, seen.headers["Host"]) == ("POST", b'{"a": 1}', f"hooks.test:{receiver.port}")


def test_connection_is_pinned_to_the_checked_address(receiver, fake_dns):
    """A rebinding resolver answers 127.0.0.1 once, then 127.0.0.2 (where nothing listens)."""
    answers = iter([["127.0.0.1"]])
    fake_dns["rebind.test"] = lambda: next(answers, ["127.0.0.2"])
    result = fetch("GET", receiver.url("/pinned", host="rebind.test"), allow=["127.0.0.1"])
    assert result.status == 200
    assert receiver.requests[0].headers["Host"] == f"rebind.test:{receiver.port}"


@pytest.fixture
def tls_receiver(receiver, tmp_path, monkeypatch):
    """The receiver behind TLS with a self-signed certificate for hooks.test, trusted via SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.test",
                    "-addext", "subjectAltName=DNS:hooks.test"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.sni = []
    context.sni_callback = lambda _sock, name, _ctx: receiver.sni.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return receiver


def test_https_is_pinned_and_verified_for_the_hostname(tls_receiver, fake_dns):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    result = fetch("GET", f"https://hooks.test:{tls_receiver.port}/tls", allow=["127.0.0.1"])
    assert (result.status, tls_receiver.sni) == (200, ["hooks.test"])
    assert tls_receiver.requests[0].headers["Host"] == f"hooks.test:{tls_receiver.port}"
    # The certificate names hooks.test, not the address: verification stays on although we dial the IP.
    with pytest.raises(FetchFailed, match="fetch of 127.0.0.1 failed"):
        fetch("GET", f"https://127.0.0.1:{tls_receiver.port}/tls", allow=["127.0.0.1"])
    assert len(tls_receiver.requests) == 1


def test_redirects_are_followed_and_each_hop_checked(receiver):
    receiver.routes["/start"] = (302, {"Location": "/middle"}, b"")
    receiver.routes["/middle"] = (307, {"Location": receiver.url("/end")}, b"")
    receiver.routes["/end"] = (200, {}, b"done")
    result = fetch("GET", receiver.url("/start"), allow=["127.0.0.1"])
    assert (result.status, result.content, result.url) == (200, b"done", receiver.url("/end"))
    assert [r.path for r in receiver.requests] == ["/start", "/middle", "/end"]


def test_see_other_turns_post_into_get(receiver):
    receiver.routes["/form"] = (303, {"Location": "/result"}, b"")
    fetch("POST", receiver.url("/form"), allow=["127.0.0.1"], body=b"x=1",
          headers={"Content-Type": "application/x-www-form-urlencoded"})
    second = receiver.requests[1]
    assert (second.method, second.path, second.body, second.headers["Content-Type"]) == ("GET", "/result", b"", None)


@pytest.mark.parametrize("location, reason", [
    ("http://169.254.169.254/latest/meta-data/iam/", "link-local"),
    ("http://10.0.0.1/admin", "private"),
    ("http://[::1]:{port}/", "loopback"),
    ("http://127.0.0.2:{port}/", "loopback"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("file:///etc/passwd", "not file:"),
    ("gopher://127.0.0.1:6379/_", "not gopher:"),
])
def test_redirect_from_an_allowed_receiver_to_a_blocked_address(receiver, location, reason):
    receiver.routes["/hop"] = (301, {"Location": location.format(port=receiver.port)}, b"")
    with pytest.raises(FetchBlocked, match=reason):
        fetch("GET", receiver.url("/hop"), allow=["127.0.0.1"])
    assert [r.path for r in receiver.requests] == ["/hop"]


def test_redirect_loops_give_up(receiver):
    receiver.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchFailed, match="after 3 redirects"):
        fetch("GET", receiver.url("/loop"), allow=["127.0.0.1"], max_redirects=3)
    assert len(receiver.requests) == 4


def test_credentials_are_dropped_when_a_redirect_changes_host(receiver, fake_dns):
    fake_dns["other.test"] = ["127.0.0.1"]
    receiver.routes["/away"] = (302, {"Location": receiver.url("/there", host="other.test")}, b"")
    fetch("GET", receiver.url("/away"), allow=["127.0.0.1"],
          headers={"Authorization": "Token secret", "X-Custom": "kept"})
    first, second = receiver.requests
    assert first.headers["Authorization"] == "Token secret"
    assert second.headers["Authorization"] is None and second.headers["X-Custom"] == "kept"


@pytest.mark.parametrize("length", ["declared", None])
def test_oversize_responses_are_refused(receiver, length):
    payload = b"x" * 5000
    headers = {} if length == "declared" else {"Content-Length": None}
    receiver.routes["/big"] = (200, headers, payload)
    with pytest.raises(FetchBlocked, match="larger than 1000 bytes"):
        fetch("GET", receiver.url("/big"), allow=["127.0.0.1"], max_bytes=1000)
    assert fetch("GET", receiver.url("/big"), allow=["127.0.0.1"], max_bytes=5000).content == payload


def test_unreachable_and_unresolvable_hosts_fail(receiver, fake_dns):
    port = receiver.port
    receiver.server.shutdown()
    receiver.server.server_close()
    with pytest.raises(FetchFailed, match="fetch of 127.0.0.1 failed"):
        fetch("GET", f"http://127.0.0.1:{port}/", allow=["127.0.0.1"], timeout=(1, 1))
    with pytest.raises(FetchFailed, match="cannot resolve nowhere.test"):
        check_url("http://nowhere.test/", [])


# ---------------------------------------------------------------- the admin allow-list

@pytest.fixture
def admin(app, client):
    return make_user(app, client, "admin", superuser=True)


def test_admin_sets_the_allow_list(app, client, admin, receiver):
    put = admin._call("put", "/api/settings/fetch-allow",
                      json={"allow": ["127.0.0.1/32", "10.0.0.0/8", "Hooks.Example.org."]})
    assert put.status_code == 200, put.get_json()
    expected = {"allow": ["127.0.0.1/32", "10.0.0.0/8", "hooks.example.org"], "config": []}
    assert put.get_json() == expected
    assert admin.get("/api/settings/fetch-allow").get_json() == expected
    app.config["FETCH_ALLOW"] = ["192.168.0.0/16"]
    with app.app_context():
        assert allow_list() == ["192.168.0.0/16", "127.0.0.1/32", "10.0.0.0/8", "hooks.example.org"]
        assert fetch("GET", receiver.url("/via-setting")).status == 200
        check_url("http://192.168.1.1/")
        with pytest.raises(FetchBlocked, match="172.16.0.1"):
            check_url("http://172.16.0.1/")
    assert [r.path for r in receiver.requests] == ["/via-setting"]


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a host!", "999.1.1.1", "*.example.org", "", 42])
def test_bad_allow_entries_are_named(app, client, admin, entry):
    resp = admin._call("put", "/api/settings/fetch-allow", json={"allow": ["127.0.0.1", entry]})
    assert resp.status_code == 400
    assert resp.get_json()["detail"].startswith(f"allow[1]: {entry!r}")
    assert admin.get("/api/settings/fetch-allow").get_json()["allow"] == []


def test_only_admins_see_or_change_the_allow_list(app, client, admin):
    user = make_user(app, client, "plain")
    assert user.get("/api/settings/fetch-allow").status_code == 403
    assert user._call("put", "/api/settings/fetch-allow", json={"allow": ["10.0.0.0/8"]}).status_code == 403
    assert client.get("/api/settings/fetch-allow").status_code == 401
    assert admin.get("/api/settings/fetch-allow").get_json()["allow"] == []
