"""The SSRF guard: every server-side fetch of a user-given URL goes through here.

A URL is fetched only when it is http(s) and every address its host resolves to is public,
unless the host or the address is on the allow-list (``LABELART_FETCH_ALLOW`` plus the admin
setting ``fetch_allow``). The connection is pinned to the address that was checked, so a
second DNS answer (rebinding) cannot move it, and every redirect hop is checked again.
"""
import ipaddress
import logging
import re
import socket
import string
import time
from dataclasses import dataclass
from typing import Mapping, Optional, Union
from urllib.parse import quote, unquote, urljoin, urlsplit

import orjson
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from ..errors import APIError, FetchBlocked

log = logging.getLogger(__name__)

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# Setting.key of the admin's allow-list: a JSON list of hostnames, IPs and CIDRs.
ALLOW_SETTING = "fetch_allow"
SCHEMES = {"http": 80, "https": 443}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Default cap on a response body; a larger answer is refused, never truncated silently.
MAX_BYTES = 10 * 1024 * 1024
# Default cap on one whole fetch (all hops), so a server dribbling bytes cannot hold a worker.
TOTAL_TIMEOUT = 300
CHUNK = 64 * 1024
USER_AGENT = "Label.Art"
# Dropped when a redirect leaves the original host, as browsers and requests do.
CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization"}
# Not in Python's private ranges, but carrier-grade NAT space is internal to a provider.
SHARED_NET = ipaddress.ip_network("100.64.0.0/10")
# NAT64 translators reach the IPv4 address held in the low 32 bits.
NAT64_NET = ipaddress.ip_network("64:ff9b::/96")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


class FetchFailed(APIError):
    """The remote end could not be reached, was too slow, or redirected too often (worth retrying)."""

    status = 502
    code = "fetch_failed"


@dataclass
class FetchResult:
    """What a fetch brought back: the last hop's status, headers and whole body."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self):
        """The body as JSON. Raises orjson.JSONDecodeError."""
        return orjson.loads(self.content)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``ip``, pinned) and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress
    path: str
    auth: Optional[str]

    @property
    def host_header(self):
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == SCHEMES[self.scheme] else f"{name}:{self.port}"


# ---------------------------------------------------------------- allow-list

def normalize_entry(entry):
    """One allow-list entry (hostname, IP or CIDR) in canonical text form.

    Raises ValueError naming the entry when it is none of those.
    """
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(f"{entry!r} is not a hostname, IP address or CIDR")
    text = entry.strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ipaddress.ip_network(text, strict=False)
        return text
    except ValueError:
        pass
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"{entry!r} is not a valid hostname: {exc}") from exc
    # All-numeric labels would be a mistyped address, not a name.
    if HOST_RE.match(text) and not text.replace(".", "").isdigit():
        return text
    raise ValueError(f"{entry!r} is not a hostname, IP address or CIDR")


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks that may be fetched even though they are not public."""

    hosts: frozenset = frozenset()
    networks: tuple = ()

    @classmethod
    def parse(cls, entries):
        """Build from text entries; bad ones (from the environment) are logged and skipped."""
        hosts, networks = set(), []
        for entry in entries or ():
            try:
                text = normalize_entry(entry)
            except ValueError as exc:
                log.warning("ignoring fetch allow-list entry: %s", exc)
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                hosts.add(text)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host):
        return host.rstrip(".") in self.hosts

    def allows_ip(self, ip):
        candidates = [ip, *embedded_ipv4(ip)]
        return any(addr in net for addr in candidates for net in self.networks if addr.version == net.version)


def stored_allow():
    """The admin's allow-list entries (Setting ``fetch_allow``). Needs an app context."""
    from ..extensions import db
    from ..models import Setting

    row = db.session.get(Setting, ALLOW_SETTING)
    if row is None or not row.value:
        return []
    try:
        value = orjson.loads(row.value)
    except orjson.JSONDecodeError:
        log.warning("setting %s is not JSON; ignoring it", ALLOW_SETTING)
        return []
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


def allow_list():
    """``FETCH_ALLOW`` from the configuration plus the admin setting. Needs an app context."""
    from flask import current_app

    return [*(current_app.config.get("FETCH_ALLOW") or []), *stored_allow()]


def _as_allow(allow):
    """``allow`` as an AllowList; None means the configured one (needs an app context)."""
    if isinstance(allow, AllowList):
        return allow
    return AllowList.parse(allow_list() if allow is None else allow)


# ---------------------------------------------------------------- addresses

def embedded_ipv4(ip):
    """IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64); [] for none."""
    if ip.version != 6:
        return []
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in NAT64_NET:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def blocked_reason(ip):
    """Why ``ip`` may not be fetched without an allow-list entry, or None when it is public."""
    for inner in embedded_ipv4(ip):
        reason = blocked_reason(inner)
        if reason:
            return f"{reason}, {inner} embedded in IPv6"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.version == 4 and ip in SHARED_NET, "shared (carrier-grade NAT)"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-global"),
    )
    for hit, reason in checks:
        if hit:
            return f"{reason} address"
    return None


def resolve(host, port):
    """Every address ``host`` resolves to, in the resolver's order.

    Raises FetchFailed when it does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"cannot resolve {host}: {exc}") from exc
    addrs = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if ip not in addrs:
            addrs.append(ip)
    if not addrs:
        raise FetchFailed(f"cannot resolve {host}: no addresses")
    return addrs


# ---------------------------------------------------------------- URLs

def _split(url):
    """(scheme, host, port, path, auth) of an http(s) URL. Raises FetchBlocked naming the problem."""
    if not isinstance(url, str) or not url:
        raise FetchBlocked("URL is empty")
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise FetchBlocked(f"URL {url!r} contains whitespace or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchBlocked(f"URL {url!r} refused: only http and https URLs are fetched, "
                           f"not {scheme + ':' if scheme else 'a URL without a scheme'}")
    if not parts.hostname:
        raise FetchBlocked(f"URL {url!r} has no host")
    try:
        port = parts.port or SCHEMES[scheme]
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise FetchBlocked(f"URL {url!r} refused: {exc}") from exc
    path = quote(parts.path or "/", safe=string.punctuation)
    if parts.query:
        path += "?" + quote(parts.query, safe=string.punctuation)
    auth = None if parts.username is None else f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return scheme, host, port, path, auth


def check_url(url, allow=None):
    """Check ``url`` and return the Target to connect to, pinned to a checked address.

    ``allow``: allow-list entries (or an AllowList); None reads ``allow_list()``.
    Raises FetchBlocked naming the host and the reason (not http(s), malformed, or an address
    that is not public and not allowed); FetchFailed when the host does not resolve.
    """
    allow = _as_allow(allow)
    scheme, host, port, path, auth = _split(url)
    addrs = resolve(host, port)
    if not allow.allows_host(host):
        for ip in addrs:
            reason = blocked_reason(ip)
            if reason and not allow.allows_ip(ip):
                raise FetchBlocked(f"fetch of {host} refused: it resolves to {ip} ({reason}); "
                                   f"an administrator can allow it")
    return Target(url, scheme, host, port, addrs[0], path, auth)


# ---------------------------------------------------------------- fetching

def fetch(method, url, *, allow=None, headers=None, body=None, timeout=(3, 30), max_bytes=MAX_BYTES,
          max_redirects=5, total_timeout=TOTAL_TIMEOUT):
    """Send one request through the guard, following redirects by hand, and read the whole body.

    ``timeout`` is (connect, read) per hop; ``total_timeout`` bounds the whole fetch.
    Raises FetchBlocked (a refused URL or redirect hop, or a body over ``max_bytes``) and
    FetchFailed (unreachable, timed out, too many redirects).
    """
    allow = _as_allow(allow)
    deadline = time.monotonic() + total_timeout
    headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    for _hop in range(max_redirects + 1):
        target = check_url(url, allow)
        result = _send(target, method, headers, body, timeout, max_bytes, deadline)
        location = result.headers.get("Location")
        if result.status not in REDIRECT_STATUSES or not location:
            return result
        next_url = urljoin(url, location)
        method, body, headers = _redirected(result.status, method, body, headers, target, next_url)
        url = next_url
    raise FetchFailed(f"fetch of {target.host} gave up after {max_redirects} redirects")


def _redirected(status, method, body, headers, old, next_url):
    """The (method, body, headers) of the next hop, as browsers do it."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
    nxt = urlsplit(next_url)
    if (nxt.hostname or "").rstrip(".") != old.host or nxt.scheme.lower() != old.scheme:
        headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
    return method, body, headers


def _pool(target, timeout):
    """A one-connection pool to the checked IP; TLS still verifies the certificate for the hostname."""
    opts = dict(timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]), retries=False, maxsize=1)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(str(target.ip), target.port, server_hostname=target.host,
                                           assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **opts)
    return urllib3.HTTPConnectionPool(str(target.ip), target.port, **opts)


def _request_headers(target, headers):
    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers, "Host": target.host_header}
    if target.auth and not any(k.lower() == "authorization" for k in sent):
        sent.update(urllib3.make_headers(basic_auth=target.auth))
    return sent


def _send(target, method, headers, body, timeout, max_bytes, deadline):
    """One hop. Raises FetchBlocked (body too large) or FetchFailed (network trouble)."""
    pool = _pool(target, timeout)
    try:
        resp = pool.urlopen(method, target.path, body=body, headers=_request_headers(target, headers),
                            redirect=False, retries=False, preload_content=False, assert_same_host=False)
        try:
            content = _read_capped(resp, target, max_bytes, deadline)
        finally:
            resp.release_conn()
    except (Urllib3Error, OSError) as exc:
        raise FetchFailed(f"fetch of {target.host} failed: {exc}") from exc
    finally:
        pool.close()
    return FetchResult(resp.status, resp.headers, content, target.url)


def _read_capped(resp, target, max_bytes, deadline):
    """The whole body, refusing it past ``max_bytes`` or ``deadline``."""
    too_large = f"response from {target.host} is larger than {max_bytes} bytes"
    length = resp.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchBlocked(too_large)
    chunks, size = [], 0
    for chunk in resp.stream(CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchBlocked(too_large)
        if time.monotonic() > deadline:
            raise FetchFailed(f"fetch of {target.host} took too long")
        chunks.append(chunk)
    return b"".join(chunks)
