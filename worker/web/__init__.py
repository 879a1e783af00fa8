"""Server-rendered pages: sign-in, projects, the labeling workspace, data manager and the rest."""
from flask import Blueprint

web_bp = Blueprint("web", __name__)

from . import media, pages, sso, messages_page, common, project_pages, workspace, models_page, dashboard  # noqa: E402,F401
