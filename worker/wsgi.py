"""WSGI entry point for gunicorn/uWSGI: ``worker.wsgi:app``."""
from . import create_app

app = create_app()
