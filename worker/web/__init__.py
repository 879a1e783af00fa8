"""Server-rendered pages (the login page here; the workspace and data manager elsewhere)."""
from flask import Blueprint

web_bp = Blueprint("web", __name__)

from . import media, pages, sso, messages_page  # noqa: E402,F401
