"""Tasks, their annotations and predictions, and the short locks of the labeling stream."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, JSONText, utcnow


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "inner_id", name="uq_task_inner"),
        # The labeling stream walks unlabeled tasks of a project in id order.
        Index("ix_tasks_stream", "project_id", "is_labeled", "id"),
        Index("ix_tasks_uncertainty", "project_id", "is_labeled", "prediction_score"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    inner_id: Mapped[int] = mapped_column(BigId)
    data: Mapped[str] = mapped_column(JSONText)
    meta: Mapped[Optional[str]] = mapped_column(JSONText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Completed, not-cancelled annotations; is_labeled when it reaches the project's overlap.
    total_annotations: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_annotations: Mapped[int] = mapped_column(Integer, default=0)
    total_predictions: Mapped[int] = mapped_column(Integer, default=0)
    is_labeled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lowest score among the task's predictions, for uncertainty sampling.
    prediction_score: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    file_upload_id: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    # Gold tasks carry a manager's ground truth and are mixed into annotators' streams.
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Agreement between the task's annotations (0..1), computed by the quality module.
    agreement: Mapped[Optional[float]] = mapped_column(Float, nullable=True)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        # A retried submit with the same key finds the first one instead of adding another.
        UniqueConstraint("completed_by", "idempotency_key", name="uq_annotation_idem"),
        Index("ix_annotations_task_user", "task_id", "completed_by"),
        Index("ix_annotations_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    completed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                        nullable=True)
    result: Mapped[str] = mapped_column(JSONText, default="[]")
    was_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    ground_truth: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_time: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(100), nullable=True)
    parent_prediction: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Review: None (not reviewed), "accepted", "rejected" or "fixed", by a reviewer or manager.
    review_status: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    review_comment: Mapped[Optional[str]] = mapped_column(Text, nullable=True, default="")
    reviewed_by: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(nullable=True)


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (Index("ix_predictions_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(JSONText, default="[]")
    score: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    model_version: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskLock(Base):
    """A task handed out by /next, reserved for its annotator until ``expires_at``."""

    __tablename__ = "task_locks"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    project_id: Mapped[int] = mapped_column(BigId, index=True)
    expires_at: Mapped[datetime] = mapped_column()


class FileUpload(Base):
    """An uploaded media file, stored content-addressed under the data directory."""

    __tablename__ = "file_uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
