"""Review: reviewers and managers walk a queue of unreviewed annotations and accept,
reject (with a comment) or fix them. The verdict is recorded on the annotation itself
(review_status, review_comment, reviewed_by, reviewed_at)."""
from flask import request
from sqlalchemy import func, select

from ..access import current_user, project_for, role_in
from ..errors import Forbidden, NotFound, ValidationError
from ..extensions import db
from ..jsonio import iso
from ..models import Annotation, Prediction, ROLE_RANK, Task, User, utcnow
from ..services import annotations as svc
from ..services.serialize import annotation_dict, prediction_dict, task_dict
from ..services.tasks import task_for
from . import route
from .util import bool_arg, int_arg, json_body, json_response

# action in the request -> review_status stored on the annotation.
VERDICTS = {"accept": "accepted", "reject": "rejected", "fix": "fixed"}
MAX_COMMENT = 5000
# "remaining" in the queue is counted up to this many (an exact count is not worth a scan).
REMAINING_CAP = 1000


def review_dict(ann, username=None):
    out = annotation_dict(ann)
    out.update(review_status=ann.review_status, review_comment=ann.review_comment or "",
               reviewed_by=ann.reviewed_by, reviewed_at=iso(ann.reviewed_at),
               completed_by_username=username)
    return out


def _queue_conditions(project_id, user_id):
    # Nobody reviews their own work; skipped tasks carry no labels to judge.
    return (Annotation.project_id == project_id, Annotation.review_status.is_(None),
            Annotation.was_cancelled.is_(False), Annotation.completed_by != user_id)


@route("/projects/<int:project_id>/review/next", methods=["GET"])
def next_review(project_id):
    """The next unreviewed annotation (reviewers, managers): {"annotation", "task", "remaining"}.

    ?after=ANNOTATION_ID passes over annotations up to that id (a reviewer's "later").
    404 {"error": "no_more_reviews"} when the queue is empty.
    """
    project = project_for(project_id, "reviewer")
    user = current_user()
    conds = _queue_conditions(project.id, user.id)
    after = int_arg("after", 0, minimum=0)
    row = db.session.execute(
        select(Annotation, User.username).outerjoin(User, User.id == Annotation.completed_by)
        .where(*conds, Annotation.id > after).order_by(Annotation.id).limit(1)).first()
    if row is None:
        raise NotFound("no annotations are waiting for review", code="no_more_reviews")
    ann, username = row
    task = db.session.get(Task, ann.task_id)
    preds = db.session.execute(select(Prediction).where(Prediction.task_id == task.id)
                               .order_by(Prediction.id)).scalars().all()
    remaining = db.session.execute(select(func.count()).select_from(
        select(Annotation.id).where(*conds).limit(REMAINING_CAP + 1).subquery())).scalar_one()
    body = task_dict(task, [], preds)
    return json_response({"annotation": review_dict(ann, username), "task": body,
                          "predictions": [prediction_dict(p) for p in preds],
                          "remaining": min(remaining, REMAINING_CAP),
                          "remaining_capped": remaining > REMAINING_CAP})


def _annotation(annotation_id, min_role):
    """(project, annotation) for members with ``min_role``: 404 for non-members, 403 below it."""
    ann = db.session.get(Annotation, annotation_id)
    if ann is None:
        raise NotFound(f"annotation {annotation_id} not found")
    try:
        project, _ = task_for(db.session, ann.task_id, min_role)
    except NotFound:
        raise NotFound(f"annotation {annotation_id} not found") from None
    return project, ann


@route("/annotations/<int:annotation_id>/review", methods=["POST"])
def review_annotation(annotation_id):
    """Record a verdict (reviewers, managers):
    {"action": "accept" | "reject" | "fix", "comment"?: str, "result"?: [...] (fix only)}.

    Rejecting needs a comment saying what is wrong; fixing needs the corrected result.
    Raises 400 for a bad body, 403 for annotators and for one's own annotation.
    """
    project, ann = _annotation(annotation_id, "reviewer")
    user = current_user()
    if ann.completed_by == user.id:
        raise Forbidden("you cannot review your own annotation", code="own_annotation")
    body = json_body()
    action = body.get("action")
    if action not in VERDICTS:
        raise ValidationError(f"action must be one of {', '.join(VERDICTS)}, got {action!r}")
    comment = body.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise ValidationError(f"comment must be text of at most {MAX_COMMENT} characters")
    if action == "reject" and not comment.strip():
        raise ValidationError("a rejection needs a comment saying what is wrong")
    if action == "fix":
        if "result" not in body:
            raise ValidationError("fix needs the corrected result")
        svc.update_annotation(db.session, project, ann, {"result": body["result"]})
    elif "result" in body:
        raise ValidationError("only fix changes the result; accept or reject leave it as it is")
    ann.review_status = VERDICTS[action]
    ann.review_comment = comment.strip()
    ann.reviewed_by = user.id
    ann.reviewed_at = utcnow()
    db.session.commit()
    return json_response(review_dict(ann, _username(ann.completed_by)))


@route("/annotations/<int:annotation_id>/review", methods=["GET"])
def get_review(annotation_id):
    """An annotation's review state: its author or reviewers and managers."""
    project, ann = _annotation(annotation_id, "annotator")
    user = current_user()
    if ann.completed_by != user.id and ROLE_RANK[role_in(user, project.id)] < ROLE_RANK["reviewer"]:
        raise Forbidden("only the author, reviewers and managers can see this review")
    return json_response(review_dict(ann, _username(ann.completed_by)))


@route("/projects/<int:project_id>/reviews", methods=["GET"])
def list_reviews(project_id):
    """Reviewed annotations, newest verdict first (reviewers, managers; annotators see their
    own with ?mine=1). ?status=accepted|rejected|fixed, keyset ?after_id=, page_size ≤ 200."""
    mine = bool_arg("mine")
    project = project_for(project_id, "annotator" if mine else "reviewer")
    user = current_user()
    q = select(Annotation, User.username).outerjoin(User, User.id == Annotation.completed_by)\
        .where(Annotation.project_id == project.id, Annotation.review_status.is_not(None))
    status = _status_arg()
    if status:
        q = q.where(Annotation.review_status == status)
    if mine:
        q = q.where(Annotation.completed_by == user.id)
    before = int_arg("after_id", None, minimum=1)
    if before:
        q = q.where(Annotation.id < before)
    size = int_arg("page_size", 50, minimum=1, maximum=200)
    rows = db.session.execute(q.order_by(Annotation.id.desc()).limit(size)).all()
    return json_response([review_dict(a, name) for a, name in rows])


def _status_arg():
    status = request.args.get("status", "")
    if status and status not in VERDICTS.values():
        raise ValidationError(f"status must be one of {', '.join(VERDICTS.values())}, got {status!r}")
    return status


def _username(user_id):
    return db.session.execute(select(User.username).where(User.id == user_id)).scalar_one_or_none()
