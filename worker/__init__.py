"""The Label.Art labeling service: ``create_app`` builds the Flask app."""
import logging
import os

from flask import Flask

from .config import load_config
from .extensions import db
from .secrets_store import load_or_create

log = logging.getLogger(__name__)


def create_app(config=None):
    """App factory. ``config`` overrides values read from the environment."""
    app = Flask(__name__)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    register_secrets(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_secrets(app):
    os.makedirs(app.config["DATA_DIR"], exist_ok=True)
    secrets = load_or_create(app.config["DATA_DIR"])
    app.config["SECRETS"] = secrets
    app.secret_key = secrets["flask_secret_key"]
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")


def register_extensions(app):
    db.init_app(app)
    _register_write_intent(app)
    from .jsonio import OrjsonProvider

    app.json = OrjsonProvider(app)


def register_blueprints(app):
    from .api import api_bp
    from .web import web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)


def register_errorhandlers(app):
    from .api.errorhandlers import install

    install(app)


def register_commands(app):
    """CLI commands live in ``worker.cli`` (the ``labelart`` entry point)."""


# GET endpoints that write (the labeling stream reserves a task for the caller).
WRITING_GET_ENDPOINTS = {"api.next_task"}
# Hot paths that open their own short write section (db.writing()) after their reads.
SHORT_WRITE_ENDPOINTS = {"api.next_task", "api.create_annotation"}


def _register_write_intent(app):
    from flask import g, request

    from .access import current_user
    from .errors import APIError
    from .extensions import write_intent

    @app.before_request
    def _authenticate_then_mark_writes():
        # Authenticate in a read transaction of its own, so a writer's lock on SQLite is
        # not held while its token is looked up. Errors surface again in the view.
        write_intent.set(False)
        writes = request.method in ("POST", "PUT", "PATCH", "DELETE") or request.endpoint in WRITING_GET_ENDPOINTS
        blanket = writes and request.endpoint not in SHORT_WRITE_ENDPOINTS
        if blanket and (request.headers.get("Authorization") or request.cookies):
            try:
                current_user(optional=True)
            except APIError:
                g.pop("_user", None)
            db.session.commit()
        write_intent.set(blanket)
