"""Creating and changing projects."""
from sqlalchemy import delete, func, select

from ..errors import ValidationError
from ..labeling.config import parse_config
from ..models import Membership, Project, SAMPLING, ROLES, Task, User, utcnow

EDITABLE = {
    "title": str, "description": str, "label_config": str, "expert_instruction": str,
    "maximum_annotations": int, "overlap": int, "sampling": str, "show_skip_button": bool, "color": str,
    "gold_rate": float, "balance_field": str, "review_threshold": float,
}
# Short names accepted alongside Label Studio's sampling labels.
SAMPLING_ALIASES = {v: k for k, v in SAMPLING.items()}


def apply_fields(project, body):
    """Validate and copy editable fields from ``body``. Raises ValidationError/ConfigError."""
    for key, value in body.items():
        if key not in EDITABLE:
            continue
        kind = EDITABLE[key]
        if value is None:
            raise ValidationError(f"{key} may not be null")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValidationError(f"{key} must be an integer")
        if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValidationError(f"{key} must be a number")
        if kind not in (int, float) and not isinstance(value, kind):
            raise ValidationError(f"{key} must be a {kind.__name__}")
    if "title" in body:
        if len(body["title"]) > 200:
            raise ValidationError("title is longer than 200 characters")
        project.title = body["title"]
    for key in ("description", "expert_instruction", "color", "show_skip_button"):
        if key in body:
            setattr(project, key, body[key])
    if "label_config" in body:
        parse_config(body["label_config"])
        project.label_config = body["label_config"]
    overlap = body.get("overlap", body.get("maximum_annotations"))
    if overlap is not None:
        if not 1 <= overlap <= 1000:
            raise ValidationError("overlap (maximum_annotations) must be between 1 and 1000")
        project.overlap = overlap
    if "sampling" in body:
        name = SAMPLING_ALIASES.get(body["sampling"], body["sampling"])
        if name not in SAMPLING:
            raise ValidationError(f"sampling must be one of {sorted(SAMPLING) + sorted(SAMPLING_ALIASES)}")
        project.sampling = name
    _apply_quality_fields(project, body)
    project.updated_at = utcnow()


def _apply_quality_fields(project, body):
    """gold_rate and review_threshold are shares (0..1); balance_field names a task meta field."""
    for key in ("gold_rate", "review_threshold"):
        if key in body:
            if not 0 <= body[key] <= 1:
                raise ValidationError(f"{key} must be between 0 and 1")
            setattr(project, key, float(body[key]))
    if "balance_field" in body:
        if len(body["balance_field"]) > 100 or '"' in body["balance_field"]:
            raise ValidationError("balance_field must be a meta field name of at most 100 characters, without quotes")
        project.balance_field = body["balance_field"].strip()


def create_project(session, user, body):
    project = Project(created_by_id=user.id, title="", label_config="<View><Text name=\"text\" value=\"$text\"/></View>")
    apply_fields(project, body)
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, user_id=user.id, role="manager"))
    return project


def set_member(session, project, username_or_id, role):
    """Add a member or change their role. Raises ValidationError."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {list(ROLES)}")
    if isinstance(username_or_id, int) and not isinstance(username_or_id, bool):
        user = session.get(User, username_or_id)
    else:
        user = session.execute(select(User).where(User.username == str(username_or_id))).scalar_one_or_none()
    if user is None:
        raise ValidationError(f"no user {username_or_id!r}")
    row = session.execute(select(Membership).where(Membership.project_id == project.id,
                                                   Membership.user_id == user.id)).scalar_one_or_none()
    if row is None:
        row = Membership(project_id=project.id, user_id=user.id, role=role)
        session.add(row)
    else:
        row.role = role
    return user, row


def remove_member(session, project, user_id):
    session.execute(delete(Membership).where(Membership.project_id == project.id,
                                             Membership.user_id == user_id))


def labeled_task_count(session, project_id):
    """Tasks of the project that have all the annotations they need (walks ix_tasks_stream)."""
    return session.execute(select(func.count()).select_from(Task).where(
        Task.project_id == project_id, Task.is_labeled.is_(True))).scalar_one()
