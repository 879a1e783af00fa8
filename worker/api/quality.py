"""Quality figures: agreement, error rates, model vs human, balance and disaggregated error.

  GET  /api/projects/{id}/quality              the whole report (reviewers, managers)
  GET  /api/projects/{id}/quality/annotators   per-annotator figures
  GET  /api/projects/{id}/quality/pairs        per annotator pair figures
  GET  /api/projects/{id}/balance              balance, disaggregated error, flags, suggestions
  POST /api/projects/{id}/quality/refresh      store task agreement and apply the review rule (RQ)
  POST /api/projects/{id}/gold                 mark gold answers / unmark gold tasks (managers)

Options on the GETs: ``fields=a,b`` (meta fields to group by; default: the balance field and
every field with few distinct values), ``min_share`` (0 < x <= 1, default 0.5) and
``refresh=1`` to bypass the cache.
"""
import re

from flask import request
from sqlalchemy import or_, select, update

from ..access import project_for
from ..errors import ServiceUnavailable, ValidationError
from ..extensions import db
from ..models import Annotation, Membership, Task, User
from ..quality import cache
from ..quality.balance import DEFAULT_MIN_SHARE
from ..quality.data import TRUTH_ROLES
from ..queue import try_enqueue
from . import route
from .util import bool_arg, json_body, json_response

REFRESH_JOB = "worker.jobs.quality.refresh_project"
MAX_FIELDS = 10
MAX_GOLD_IDS = 10_000
_FIELD = re.compile(r"^[\w .:-]{1,100}$")


def _options():
    """(fields, min_share, refresh) from the query string. Raises ValidationError naming the bad one."""
    raw = request.args.get("fields", "")
    fields = [f.strip() for f in raw.split(",") if f.strip()] if raw else None
    if fields and (len(fields) > MAX_FIELDS or not all(_FIELD.match(f) for f in fields)):
        raise ValidationError(f"fields must be up to {MAX_FIELDS} comma-separated meta field names "
                              f"(letters, digits, space, . : - _), got {raw!r}")
    share = request.args.get("min_share", "")
    try:
        min_share = float(share) if share else DEFAULT_MIN_SHARE
    except ValueError:
        raise ValidationError(f"min_share must be a number, got {share!r}") from None
    if not 0 < min_share <= 1:
        raise ValidationError(f"min_share must be above 0 and at most 1, got {min_share}")
    return fields, min_share, bool_arg("refresh")


def _report(project_id):
    project = project_for(project_id, "reviewer")
    fields, min_share, refresh = _options()
    return cache.get_report(project, fields, min_share, refresh)


@route("/projects/<int:project_id>/quality", methods=["GET"])
def quality(project_id):
    """The project's quality report (reviewers, managers; 404 non-members, 403 annotators)."""
    return json_response(_report(project_id))


@route("/projects/<int:project_id>/quality/annotators", methods=["GET"])
def quality_annotators(project_id):
    """Per annotator: annotations, agreement with co-annotators, gold and consensus error rates
    with 95% Wilson intervals, review outcomes, pace."""
    return json_response(_report(project_id)["annotators"])


@route("/projects/<int:project_id>/quality/pairs", methods=["GET"])
def quality_pairs(project_id):
    """Per annotator pair: shared tasks, mean agreement and Cohen's kappa per categorical control."""
    return json_response(_report(project_id)["pairs"])


@route("/projects/<int:project_id>/balance", methods=["GET"])
def balance(project_id):
    """Label distribution per meta group with under-represented groups flagged, error per group
    and per intersection of two fields, and what to do about it."""
    report = _report(project_id)
    return json_response({k: report[k] for k in ("project", "balance", "disaggregated", "flags", "suggestions")})


@route("/projects/<int:project_id>/quality/refresh", methods=["POST"])
def quality_refresh(project_id):
    """Queue a job that stores every task's agreement and applies the review rule (managers).

    Raises 503 when the queue is unreachable.
    """
    project = project_for(project_id, "manager")
    job = try_enqueue("default", REFRESH_JOB, project.id, job_timeout=3600)
    if job is None:
        raise ServiceUnavailable("the job queue is not reachable; try again later", code="queue_unavailable")
    return json_response({"job": job.id, "status": job.get_status()}, 202)


@route("/projects/<int:project_id>/gold", methods=["POST"])
def set_gold(project_id):
    """Gold tasks (managers).

    {"annotations": [ids]}: those annotations become the ground truth of their tasks, which
    become gold (hidden gold tasks are mixed into annotators' streams at the project's gold_rate);
    their authors must be reviewers or managers, or the answer would not count.
    {"tasks": [ids], "is_gold": false}: tasks stop being gold (their answers stay).
    Raises 400 naming ids that are not in this project.
    """
    project = project_for(project_id, "manager")
    body = json_body()
    ann_ids, task_ids = _ids(body, "annotations"), _ids(body, "tasks")
    if not ann_ids and not task_ids:
        raise ValidationError("send {\"annotations\": [ids]} or {\"tasks\": [ids], \"is_gold\": false}")
    is_gold = body.get("is_gold", True)
    if not isinstance(is_gold, bool):
        raise ValidationError("is_gold must be true or false")
    marked = _mark_answers(project.id, ann_ids) if ann_ids else []
    if task_ids:
        _check_in_project(Task, project.id, task_ids, "task")
        db.session.execute(update(Task).where(Task.id.in_(task_ids)).values(is_gold=is_gold))
    db.session.commit()
    cache.invalidate(project.id)
    return json_response({"gold_tasks": sorted(set(marked) | (set(task_ids) if is_gold else set())),
                          "not_gold": [] if is_gold else sorted(task_ids)})


def _mark_answers(project_id, ann_ids):
    _check_in_project(Annotation, project_id, ann_ids, "annotation")
    rows = db.session.execute(select(Annotation.id, Annotation.task_id, Annotation.was_cancelled)
                              .where(Annotation.id.in_(ann_ids))).all()
    skipped = sorted(i for i, _, cancelled in rows if cancelled)
    if skipped:
        raise ValidationError(f"skipped annotations cannot be gold answers: {skipped}")
    authors = db.session.execute(
        select(Annotation.id).outerjoin(User, User.id == Annotation.completed_by)
        .outerjoin(Membership, (Membership.user_id == Annotation.completed_by) & (Membership.project_id == project_id))
        .where(Annotation.id.in_(ann_ids), User.is_superuser.is_not(True),
               or_(Membership.role.is_(None), Membership.role.not_in(TRUTH_ROLES)))).scalars().all()
    if authors:
        raise ValidationError(f"gold answers must come from reviewers or managers; annotations {sorted(authors)} "
                              f"do not", code="not_a_reviewer")
    tasks = sorted({t for _, t, _ in rows})
    db.session.execute(update(Annotation).where(Annotation.id.in_(ann_ids)).values(ground_truth=True))
    db.session.execute(update(Task).where(Task.id.in_(tasks)).values(is_gold=True))
    return tasks


def _ids(body, key):
    ids = body.get(key) or []
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationError(f"{key} must be a list of integer ids")
    if len(ids) > MAX_GOLD_IDS:
        raise ValidationError(f"{key}: at most {MAX_GOLD_IDS} ids at a time")
    return ids


def _check_in_project(model, project_id, ids, what):
    found = set(db.session.execute(select(model.id).where(model.id.in_(ids), model.project_id == project_id))
                .scalars())
    missing = sorted(set(ids) - found)
    if missing:
        raise ValidationError(f"{what}s not in project {project_id}: {missing[:20]}", code="not_in_project")
