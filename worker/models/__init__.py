"""All models, importable from one place (Alembic reads ``Base.metadata`` from here)."""
from .base import Base, utcnow
from .users import User, ApiToken, hash_token, new_token_key
from .projects import Project, Membership, ROLES, ROLE_RANK, SAMPLING
from .tasks import Task, Annotation, Prediction, TaskLock, FileUpload
from .platform import Webhook, WebhookDelivery, Job, Setting
from .ml import MLBackend, TrainingRun, SsoNonce

__all__ = ["Base", "utcnow", "User", "ApiToken", "hash_token", "new_token_key", "Project",
           "Membership", "ROLES", "ROLE_RANK", "SAMPLING", "Task", "Annotation", "Prediction",
           "TaskLock", "FileUpload", "Webhook", "WebhookDelivery", "Job", "Setting", "MLBackend",
           "TrainingRun", "SsoNonce"]
