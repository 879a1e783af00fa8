"""GET /api/openapi.json: the OpenAPI 3.1 document, generated from the registered routes.

Paths, methods and path parameters come from Flask's URL map and summaries from each
view's docstring, so the document cannot drift from the code.
"""
import inspect
import re

from flask import current_app

from . import route
from .util import json_response

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}, "path": {"type": "string"}}
ERROR_SCHEMA = {"type": "object", "required": ["error", "detail"],
                "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}


def build_document(app):
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or (rule.rule.endswith("/") and rule.rule != "/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        params = [{"name": m.group("name"), "in": "path", "required": True,
                   "schema": _TYPES.get(m.group("conv") or "", {"type": "string"})}
                  for m in _PARAM.finditer(rule.rule)]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(view, rule, params, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Label.Art API", "version": "1",
                 "description": "Label Studio-compatible labeling API. Paths also answer with a trailing slash."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"Token": {"type": "apiKey", "in": "header", "name": "Authorization",
                                          "description": "'Token <key>'"},
                                "Session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"Token": []}, {"Session": []}],
    }


def _operation(view, rule, params, method):
    doc = inspect.getdoc(view) or ""
    summary, _, description = doc.partition("\n")
    module = view.__module__.rsplit(".", 1)[-1]
    op = {
        "operationId": f"{rule.endpoint.split('.', 1)[-1]}_{method.lower()}",
        "tags": [module],
        "summary": summary.strip() or rule.endpoint,
        "parameters": params,
        "responses": {
            "200": {"description": "OK"},
            "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "401": {"description": "Not authenticated"},
            "404": {"description": "Not found, or not a member of the project"},
        },
    }
    if description.strip():
        op["description"] = description.strip()
    if method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}
    return op


@route("/openapi.json", methods=["GET"])
def openapi_document():
    """This document."""
    return json_response(build_document(current_app))
