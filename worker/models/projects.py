"""Projects and who works on them."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, JSONText, utcnow

ROLES = ("annotator", "reviewer", "manager")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

# Label Studio's names for the sampling orders, accepted and returned as-is.
SAMPLING = {
    "Sequential sampling": "sequential",
    "Uniform sampling": "random",
    "Uncertainty sampling": "uncertainty",
}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    label_config: Mapped[str] = mapped_column(JSONText, default="<View></View>")
    expert_instruction: Mapped[str] = mapped_column(Text, default="")
    # How many completed annotations each task wants (Label Studio's maximum_annotations).
    overlap: Mapped[int] = mapped_column(Integer, default=1)
    sampling: Mapped[str] = mapped_column(String(40), default="Sequential sampling")
    show_skip_button: Mapped[bool] = mapped_column(Boolean, default=True)
    color: Mapped[str] = mapped_column(String(16), default="#FFFFFF")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                         nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Denormalised counters kept by the import and annotation paths, so lists never COUNT(*).
    task_count: Mapped[int] = mapped_column(Integer, default=0)
    # inner_id is dense per project until a task is deleted; pages then seek by range.
    next_inner_id: Mapped[int] = mapped_column(BigId, default=1)
    deleted_task_count: Mapped[int] = mapped_column(Integer, default=0)
    # Share of each annotator's stream served from gold tasks (0 = none).
    gold_rate: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Task meta field the "balance by field" sampling evens out; empty = off.
    balance_field: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Annotations of tasks whose agreement falls below this go to review (0 = off).
    review_threshold: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    total_annotations: Mapped[int] = mapped_column(BigId, default=0)
    total_predictions: Mapped[int] = mapped_column(BigId, default=0)

    @property
    def sampling_mode(self):
        return SAMPLING.get(self.sampling, "sequential")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id", name="uq_membership"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="annotator")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
