"""ML backends attached to projects, and their training runs."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, JSONText, utcnow


class MLBackend(Base):
    """A bundled model (``kind="bundled"``, ``model_name``) or an external backend by URL."""

    __tablename__ = "ml_backends"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="external")
    url: Mapped[str] = mapped_column(String(2048), default="")
    model_name: Mapped[str] = mapped_column(String(100), default="")
    auth_method: Mapped[str] = mapped_column(String(16), default="NONE")
    basic_auth_user: Mapped[str] = mapped_column(String(200), default="")
    basic_auth_pass: Mapped[str] = mapped_column(String(200), default="")
    is_interactive: Mapped[bool] = mapped_column(Boolean, default=False)
    # CONNECTED / ERROR / TRAINING / PREDICTING, as Label Studio reports them.
    state: Mapped[str] = mapped_column(String(16), default="DISCONNECTED")
    error_message: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(200), default="")
    # Train automatically after this many new annotations (0: only on request).
    train_every: Mapped[int] = mapped_column(Integer, default=0)
    annotations_at_last_train: Mapped[int] = mapped_column(BigId, default=0)
    # least_confidence / margin / entropy: how predictions are scored for active learning.
    uncertainty: Mapped[str] = mapped_column(String(20), default="least_confidence")
    extra_params: Mapped[str] = mapped_column(JSONText, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrainingRun(Base):
    __tablename__ = "ml_training_runs"
    __table_args__ = (Index("ix_training_backend", "ml_backend_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ml_backend_id: Mapped[int] = mapped_column(ForeignKey("ml_backends.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    model_version: Mapped[str] = mapped_column(String(200), default="")
    annotation_count: Mapped[int] = mapped_column(BigId, default=0)
    # {"accuracy": ..., "held_out": n, "train": n, "curve": [...]} as the model reports it.
    metrics: Mapped[str] = mapped_column(JSONText, default="{}")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(nullable=True)


class SsoNonce(Base):
    """Single-sign-on token nonces already used: a token works once."""

    __tablename__ = "sso_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
