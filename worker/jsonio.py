"""Fast JSON in and out (orjson), and Flask's JSON provider built on it."""
from datetime import datetime

import orjson
from flask.json.provider import JSONProvider

OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(obj):
    return orjson.dumps(obj, option=OPTS, default=_default)


def dumps_str(obj):
    return dumps(obj).decode()


def loads(text):
    return orjson.loads(text)


def _default(obj):
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def iso(dt):
    """Datetimes are stored naive UTC; clients get ISO 8601 with Z."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(dt, datetime) else dt


class OrjsonProvider(JSONProvider):
    def dumps(self, obj, **kwargs):
        return dumps_str(obj)

    def loads(self, s, **kwargs):
        return orjson.loads(s)
