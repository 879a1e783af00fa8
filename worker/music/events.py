"""A per-user channel of workspace actions (from ``labelart osc``, or any script holding the
user's token) that the user's open music workspace follows as server-sent events.

Events go into a Redis stream per user (capped), so a workspace that reconnects with
``Last-Event-ID`` misses nothing in between; nothing is kept in the database: an action nobody
is looking at is simply dropped with the stream's oldest entries.
"""
import orjson

#: Actions the workspace understands, by OSC address, and the arguments each takes.
ACTIONS = {"/labelart/label": "label", "/labelart/submit": "submit", "/labelart/skip": "skip",
           "/labelart/beat": "beat"}
#: Entries kept per user, and how long one event-stream response lasts before the browser
#: reconnects (short, so a synchronous web worker is never held for long).
STREAM_LENGTH = 200
STREAM_SECONDS = 25
MAX_ARG_CHARS = 200


def stream_key(user_id):
    return f"labelart:music:events:{int(user_id)}"


def action_for(address, args):
    """``{"action", "args"}`` for an OSC address and its arguments. Raises ValueError naming the
    problem (unknown address, wrong arguments)."""
    action = ACTIONS.get(address)
    if action is None:
        raise ValueError(f"unknown address {address!r}; use one of {', '.join(sorted(ACTIONS))}")
    if not isinstance(args, list) or len(args) > 4:
        raise ValueError("args must be a list of at most 4 values")
    for arg in args:
        if isinstance(arg, bool) or not isinstance(arg, (str, int, float)) or len(str(arg)) > MAX_ARG_CHARS:
            raise ValueError(f"arguments must be short strings or numbers, not {str(arg)[:40]!r}")
    if action == "label" and (len(args) != 1 or not str(args[0]).strip()):
        raise ValueError("/labelart/label takes one argument: the label's name")
    return {"action": action, "args": args}


def publish(redis, user_id, event):
    """Append ``event`` to the user's stream; returns its id."""
    return redis.xadd(stream_key(user_id), {"e": orjson.dumps(event)}, maxlen=STREAM_LENGTH, approximate=True)


def follow(redis, user_id, last_id="$", seconds=STREAM_SECONDS):
    """Yield server-sent-event text for new events after ``last_id``, for about ``seconds``."""
    import time

    key = stream_key(user_id)
    if last_id == "$":
        # Resolve "$" once, so events published between two reads are not skipped.
        info = redis.xrevrange(key, count=1)
        last_id = info[0][0].decode() if info else "0-0"
    yield "retry: 1000\n\n"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = redis.xread({key: last_id}, block=2000, count=50)
        if not batch:
            yield ": keep-alive\n\n"
            continue
        for entry_id, fields in batch[0][1]:
            last_id = entry_id.decode()
            yield f"id: {last_id}\ndata: {fields[b'e'].decode()}\n\n"
