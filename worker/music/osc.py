"""``labelart osc``: an OSC server that drives your open music workspace.

Runs next to your music software or hardware controller, receives OSC over UDP and forwards the
actions it knows to the service with your API token; the service passes them to your open
workspace (``/api/music/osc`` -> per-user event stream -> the page). Other addresses are
ignored with a message, so a controller's chatter does no harm.
"""
import json
import logging
import urllib.error
import urllib.request

import click

from .events import ACTIONS, action_for

log = logging.getLogger(__name__)


class Forwarder:
    """Posts actions to ``{url}/api/music/osc`` with ``Authorization: Token``."""

    def __init__(self, url, token, echo=print):
        self.endpoint = url.rstrip("/") + "/api/music/osc"
        self.token = token
        self.echo = echo

    def __call__(self, address, *args):
        try:
            event = action_for(address, list(args))
        except ValueError as exc:
            self.echo(f"ignored {address}: {exc}")
            return
        body = json.dumps({"address": address, "args": event["args"]}).encode()
        req = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                resp.read()
            self.echo(f"{address} {' '.join(map(str, args))} -> {event['action']}")
        except urllib.error.HTTPError as exc:
            self.echo(f"{address}: the service answered HTTP {exc.code}: {exc.read()[:200].decode(errors='replace')}")
        except (urllib.error.URLError, OSError) as exc:
            self.echo(f"{address}: could not reach {self.endpoint}: {exc}")


def make_server(host, port, forwarder):
    """An OSC UDP server that hands the known addresses to ``forwarder``, one message at a time:
    a controller's "label, then submit" must reach the workspace in that order."""
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import BlockingOSCUDPServer

    dispatcher = Dispatcher()
    for address in ACTIONS:
        dispatcher.map(address, forwarder)
    dispatcher.set_default_handler(lambda address, *args: forwarder.echo(f"ignored {address}: not a Label.Art address"))
    return BlockingOSCUDPServer((host, port), dispatcher)


@click.command("osc")
@click.option("--url", envvar="LABELART_URL", default="http://127.0.0.1:8080", show_default=True,
              help="The Label.Art service (env LABELART_URL).")
@click.option("--token", envvar="LABELART_TOKEN", required=True,
              help="Your API token (env LABELART_TOKEN; see your account page).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on for OSC (UDP).")
@click.option("--port", type=click.IntRange(1, 65535), default=9000, show_default=True, help="UDP port.")
def osc_cmd(url, token, host, port):
    """Listen for OSC and drive your open music workspace.

    \b
    Addresses:
      /labelart/label <name>   select a note label, a choice, or a chord (A:min7)
      /labelart/submit         submit (or update) the annotation
      /labelart/skip           skip the task
      /labelart/beat [1]       tap a beat (1: a downbeat)

    \b
    Example:
      LABELART_TOKEN=... labelart osc --url http://127.0.0.1:8080 --port 9000
      oscsend localhost 9000 /labelart/label s A:min7
    """
    forwarder = Forwarder(url, token, echo=lambda m: click.echo(m))
    server = make_server(host, port, forwarder)
    click.echo(f"Listening for OSC on udp://{host}:{server.server_address[1]}, forwarding to {forwarder.endpoint}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
