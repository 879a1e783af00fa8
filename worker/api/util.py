"""Small request helpers shared by the API views."""
import orjson
from flask import Response, request

from ..errors import ValidationError
from ..jsonio import dumps


def json_body(kind=dict):
    """The request's JSON body, required to be a ``kind``. Raises ValidationError (400)."""
    raw = request.get_data(cache=True)
    if not raw:
        if kind is dict:
            return {}
        raise ValidationError("request body is empty; send JSON")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, kind):
        raise ValidationError(f"request body must be a JSON {kind.__name__}")
    return body


def int_arg(name, default=None, minimum=None, maximum=None, source=None):
    """An integer query argument. Raises ValidationError naming the argument."""
    raw = (source or request.args).get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ValidationError(f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        value = maximum
    return value


def bool_arg(name, default=False):
    raw = request.args.get(name)
    if raw is None:
        return default
    return raw.lower() in ("1", "true", "yes", "on")


def json_response(obj, status=200, headers=None):
    return Response(dumps(obj), status=status, mimetype="application/json", headers=headers)


def field(body, name, types, default=None, required=False):
    """Fetch ``body[name]`` checking its type. Raises ValidationError naming the field."""
    if name not in body or body[name] is None:
        if required:
            raise ValidationError(f"{name} is required")
        return default
    value = body[name]
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ValidationError(f"{name} has the wrong type")
    if not isinstance(value, types):
        names = "/".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise ValidationError(f"{name} must be {names}")
    return value
