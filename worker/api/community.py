"""Figures for the community site: ``GET /api/community/projects/<id>/stats``.

The WordPress plugin shows progress, top contributors and per-member numbers on project pages and
moderator screens. People are keyed by their WordPress user id (``wp_user_id``) because that is
the only id the site knows; members who never signed on through the site are counted in the
totals but not listed.
"""
from sqlalchemy import case, func, select

from ..access import project_for
from ..extensions import db
from ..models import Annotation, User
from ..quality.cache import agreement_by_wp_user
from ..services.projects import labeled_task_count
from . import route
from .util import json_response


@route("/community/projects/<int:project_id>/stats", methods=["GET"])
def community_stats(project_id):
    """Progress and per-contributor numbers (managers only; 404 for non-members).

    ``agreement`` is each member's mean agreement with co-annotators on shared tasks
    (``null`` for members who share no task with anyone).
    """
    project = project_for(project_id, "manager")
    labeled = labeled_task_count(db.session, project.id)
    rows = db.session.execute(
        select(User.wp_user_id, User.display_name,
               func.sum(case((Annotation.was_cancelled.is_(False), 1), else_=0)),
               func.sum(case((Annotation.was_cancelled.is_(True), 1), else_=0)),
               func.sum(case((Annotation.review_status == "accepted", 1), else_=0)),
               func.sum(case((Annotation.review_status == "rejected", 1), else_=0)))
        .join(User, User.id == Annotation.completed_by)
        .where(Annotation.project_id == project.id, User.wp_user_id.is_not(None))
        .group_by(User.wp_user_id, User.display_name)).all()
    agreement = agreement_by_wp_user(project)  # from the cached quality report
    contributors = sorted(({"wp_user_id": wp, "display_name": name, "annotations": int(done or 0),
                            "skips": int(skips or 0), "accepted": int(acc or 0), "rejected": int(rej or 0),
                            "agreement": agreement.get(wp)} for wp, name, done, skips, acc, rej in rows),
                          key=lambda c: (-c["annotations"], c["wp_user_id"]))
    total = project.task_count
    return json_response({"project": project.id, "total_tasks": total, "labeled_tasks": labeled,
                          "progress": round(labeled / total, 4) if total else 0.0,
                          "total_annotations": project.total_annotations, "contributors": contributors})
