"""JSON: Label Studio's full export, a list of tasks with annotations and predictions.

Takes tasks whose JSON columns are ``orjson.Fragment``s (``raw=True``) so stored bytes
are copied, not decoded and re-encoded; also works with decoded dicts.
"""
import orjson

NAME = "JSON"
EXT = "json"
MIMETYPE = "application/json"
RAW = True  # the caller may pass undecoded JSON fragments
BATCH = 500


def check(config):
    """Every project can be exported as JSON."""


def write(tasks, config=None, project=None):
    yield b"["
    buf = []
    first = True
    for task in tasks:
        piece = orjson.dumps(task)
        buf.append(piece if first else b"," + piece)
        first = False
        if len(buf) >= BATCH:
            yield b"\n".join(buf)
            buf = []
    if buf:
        yield b"\n".join(buf)
    yield b"]"
