"""The labeling workspace and the review page: the Label Studio Frontend editor on a page,
fed from the labeling stream (/api/projects/{id}/next) or the review queue."""
from flask import request

from ..access import current_user
from ..models import ROLE_RANK
from .common import login_required, page_project, render_page
from .music import music_workspace
from . import web_bp


def _editor_user(user):
    return {"pk": user.id, "firstName": user.display_name or user.username, "lastName": ""}


@web_bp.route("/projects/<int:project_id>/label")
@login_required
def workspace(project_id):
    """Label the next task; managers may open one by id (?task=ID)."""
    project, role = page_project(project_id)
    task_id = request.args.get("task", type=int)
    if task_id is not None and ROLE_RANK[role] < ROLE_RANK["manager"]:
        # Annotators work through the stream; opening a task by id is for managers.
        task_id = None
    page = {"project": project.id, "label_config": project.label_config, "user": _editor_user(current_user()),
            "role": role, "task_id": task_id, "show_skip": project.show_skip_button,
            "instructions": project.expert_instruction, "interactive": _interactive_backend(project.id)}
    # Configs with music tags get Label.Art's music view in place of the embedded editor.
    template = "music_workspace.html" if music_workspace(project.label_config) else "workspace.html"
    return render_page(template, project=project, role=role, active="label", page=page)


def _interactive_backend(project_id):
    """The id of the project's first interactive ML backend (click-to-segment), or None."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import MLBackend

    return db.session.execute(select(MLBackend.id).where(MLBackend.project_id == project_id,
                                                         MLBackend.is_interactive.is_(True))
                              .order_by(MLBackend.id).limit(1)).scalar_one_or_none()


@web_bp.route("/projects/<int:project_id>/review")
@login_required
def review(project_id):
    """Walk the review queue: accept, reject with a comment, or fix and save."""
    project, role = page_project(project_id, "reviewer")
    page = {"project": project.id, "label_config": project.label_config, "user": _editor_user(current_user()),
            "role": role}
    # The Label Studio editor cannot show music tags: such configs are reviewed in the music views.
    template = "music_review.html" if music_workspace(project.label_config) else "review.html"
    return render_page(template, project=project, role=role, active="review", page=page)
