"""``GET /api/projects/{id}/next`` and ``POST /api/tasks/{id}/annotations`` for token callers,
run on a raw DBAPI connection (``worker/rawsql.py``).

These two requests are what annotators make all day, and on the general path the ORM
session cost about 4x the SQL. ``/next`` runs the labeling stream itself (``services.stream``)
on a ``rawsql.RawSession``. The submit runs the general path's statements
(``services.annotations``) for the common case and answers None whenever the general path
must decide: browser sessions, projects with webhooks or online training (their hooks
write ORM rows), a retried idempotency key. The tests run both paths against each other
(tests/service/test_hot_path.py).
"""
import contextlib

from flask import current_app
from sqlalchemy import and_, bindparam, insert, select

from .. import rawsql
from ..access import check_role, token_key
from ..errors import NotAuthenticated
from ..models import Annotation, ApiToken, Membership, Project, Task, User, hash_token, utcnow
from . import annotations as ann_svc
from . import stream
from .tasks import _HAS_HOOKS, _TRAINS

R = rawsql.RawStatement
_USER, _PROJECT = bindparam("user_id"), bindparam("project_id")

_TOKEN_USER = R(select(User.id, User.is_superuser, User.is_active)
                .join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == bindparam("token_hash")))
_PROJECT_ROLE = R(select(Project.id, Project.overlap, Project.sampling, Project.gold_rate, Project.balance_field,
                         Project.next_inner_id, Membership.role)
                  .outerjoin(Membership, and_(Membership.project_id == Project.id, Membership.user_id == _USER))
                  .where(Project.id == _PROJECT))
_TASK_PROJECT_ROLE = R(select(*Task.__table__.c, Project.label_config, Project.overlap, Membership.role,
                              _HAS_HOOKS.label("has_hooks"), _TRAINS.label("trains"))
                       .join(Project, Project.id == Task.project_id)
                       .outerjoin(Membership, and_(Membership.project_id == Task.project_id,
                                                   Membership.user_id == _USER))
                       .where(Task.id == bindparam("task_id")))
_RELEASE = R(stream._RELEASE)
_ANN_COLUMNS = ("task_id", "project_id", "completed_by", "result", "was_cancelled", "ground_truth", "lead_time",
                "idempotency_key", "parent_prediction", "created_at", "updated_at", "review_comment")
_INSERT_ANNOTATION = R(insert(Annotation.__table__).values({c: bindparam(c) for c in _ANN_COLUMNS}))
_BY_KEY = R(ann_svc._BY_KEY)
_PROJECT_DONE, _TASK_DONE = R(ann_svc._PROJECT_DONE), R(ann_svc._TASK_DONE)
_TASK_SKIPPED = R(ann_svc._TASK_SKIPPED)


def _token():
    """The caller's API key when this path may answer; None for browser sessions or when off."""
    if not current_app.config.get("HOT_PATH", True):
        return None
    return token_key()


@contextlib.contextmanager
def _as_caller(api_key):
    """A raw connection and the key's user. Raises NotAuthenticated for an unknown key."""
    with rawsql.connection() as conn:
        user = _TOKEN_USER.first(conn.read, {"token_hash": hash_token(api_key)})
        if user is None or not user.is_active:
            raise NotAuthenticated("Invalid token")
        yield conn, user


def next_task(project_id):
    """The caller's next task (a row), False when there is none, None to use the general path."""
    api_key = _token()
    if api_key is None:
        return None
    with _as_caller(api_key) as (conn, user):
        project = _PROJECT_ROLE.first(conn.read, {"user_id": user.id, "project_id": project_id})
        check_role(user, project, project.role if project else None, "annotator", f"project {project_id}")
        project.sampling_mode = Project.sampling_mode.fget(project)  # the Record lacks the property
        conn.end_read()
        with conn.write() as tx:
            task = stream.next_task(rawsql.RawSession(tx, conn.engine), project, user.id,
                                    current_app.config["TASK_LOCK_SECONDS"])
    return task if task is not None else False


def create_annotation(task_id, read_body, idempotency_key):
    """The new annotation (a record) for a submit, or None to use the general path.
    ``read_body()`` gives the request's JSON, read once the caller may submit."""
    api_key = _token()
    if api_key is None:
        return None
    with _as_caller(api_key) as (conn, user):
        row = _TASK_PROJECT_ROLE.first(conn.read, {"user_id": user.id, "task_id": task_id})
        project = rawsql.Record({"id": row.project_id}) if row else None
        check_role(user, project, row.role if row else None, "annotator", f"task {task_id}")
        if row.has_hooks or row.trains:
            return None
        project.label_config, project.overlap = row.label_config, row.overlap
        values, _, _ = ann_svc.prepare_annotation(None, project, row, user, read_body(), idempotency_key,
                                                  listeners=ann_svc.Listeners(False, False))
        conn.end_read()
        now = utcnow()
        values.update(created_at=now, updated_at=now, review_comment="")
        with conn.write() as tx:
            stream.serialise(rawsql.RawSession(tx, conn.engine), row.project_id)
            key = values["idempotency_key"]
            if key and _BY_KEY.first(tx, {"user_id": user.id, "key": key}) is not None:
                return None  # a retry: the general path answers with the first annotation
            new_id = _INSERT_ANNOTATION.execute(tx, values).lastrowid
            counts = {"b_task": task_id, "b_now": now, "b_overlap": row.overlap, "b_project": row.project_id}
            if values["was_cancelled"]:
                _TASK_SKIPPED.execute(tx, counts)
            else:
                _PROJECT_DONE.execute(tx, counts)
                _TASK_DONE.execute(tx, counts)
            _RELEASE.execute(tx, {"task_id": task_id, "user_id": user.id})
    if not values["was_cancelled"] and (row.total_annotations or 0) + 1 >= 2:
        from ..quality.review import queue_agreements

        queue_agreements([task_id])
    return rawsql.Record({**values, "id": new_id, "review_status": None, "reviewed_by": None,
                          "reviewed_at": None})
