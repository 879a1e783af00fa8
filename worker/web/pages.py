"""Signing in and out, and the projects list with each project's progress."""
import hmac
from urllib.parse import urlsplit

from flask import redirect, request, session, url_for
from sqlalchemy import func, select

from ..access import current_user, login_session
from ..extensions import db
from ..models import Annotation, Membership, Project, User
from ..services.projects import labeled_task_count
from .common import login_required, render_page
from . import web_bp

PROJECTS_PER_PAGE = 30


def _safe_next(target):
    """Only same-site paths: a crafted ?next= must not bounce people to another site."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("web.home")
    # ``next`` is a path inside the app (request.full_path); under a proxy prefix it needs it.
    return request.script_root + target


@web_bp.route("/")
@login_required
def home():
    """The caller's projects with progress: tasks done / total, annotations, skipped."""
    user = current_user()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    q = select(Project, Membership.role).outerjoin(
        Membership, (Membership.project_id == Project.id) & (Membership.user_id == user.id))
    if not user.is_superuser:
        q = q.where(Membership.id.is_not(None))
    rows = db.session.execute(q.order_by(Project.id.desc()).limit(PROJECTS_PER_PAGE + 1)
                              .offset((page - 1) * PROJECTS_PER_PAGE)).all()
    more = len(rows) > PROJECTS_PER_PAGE
    projects = [_progress(p, role or "manager") for p, role in rows[:PROJECTS_PER_PAGE]]
    return render_page("projects.html", projects=projects, page=page, more=more)


def _progress(project, role):
    # Each count walks one index (ix_tasks_stream, ix_annotations_project), so a
    # million-task project still lists quickly.
    done = labeled_task_count(db.session, project.id)
    skipped = db.session.execute(select(func.count()).select_from(Annotation).where(
        Annotation.project_id == project.id, Annotation.was_cancelled.is_(True))).scalar_one()
    total = project.task_count
    return {"project": project, "role": role, "done": done, "total": total, "skipped": skipped,
            "annotations": project.total_annotations,
            "percent": round(100 * done / total) if total else 0}


@web_bp.route("/user/login", methods=["GET", "POST"])
def login():
    error, username = None, ""
    target = _safe_next(request.args.get("next"))
    if request.method == "POST":
        username = request.form.get("username", "")
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None and user.is_active and user.check_password(request.form.get("password", "")):
            login_session(user)
            return redirect(target)
        error = "Wrong username or password."
    info = "You are signed out." if request.args.get("signed_out") else None
    body, status = render_page("login.html", error=error, info=info, username=username,
                               next=request.args.get("next", ""))
    return body, (401 if error else status)


@web_bp.route("/user/logout", methods=["POST"])
def logout():
    """Sign out. The form carries the CSRF token, so another site cannot sign people out."""
    sent = request.form.get("csrf_token", "")
    if session.get("uid") is not None and not hmac.compare_digest(sent, session.get("csrf", "")):
        body, _ = render_page("error.html", message="The sign-out form expired; reload and try again.",
                              code=403)
        return body, 403
    session.clear()
    return redirect(url_for("web.login", signed_out=1))
