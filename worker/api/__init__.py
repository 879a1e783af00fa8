"""The REST API blueprint; Label Studio-compatible paths first, Label.Art's additions beside them."""
from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api")


def route(rule, **options):
    """Register ``rule`` with and without a trailing slash: Label Studio clients call both,
    and a 308 redirect on POST breaks some of them."""

    def decorator(func):
        endpoint = options.pop("endpoint", func.__name__)
        api_bp.add_url_rule(rule, endpoint, func, **options)
        api_bp.add_url_rule(rule.rstrip("/") + "/", endpoint, func, **options)
        return func

    return decorator


from . import (health, auth, users, projects, tasks, annotations, predictions, imports,  # noqa: E402,F401
               exports, webhooks, settings, jobs, openapi, community, datamanager, reviews, ml, quality)
