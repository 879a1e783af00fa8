"""Webhooks, their delivery outbox, background jobs and admin settings."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, JSONText, utcnow


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: an organisation-wide hook (admins only) that fires for every project.
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                                      nullable=True, index=True)
    url: Mapped[str] = mapped_column(String(2048))
    send_payload: Mapped[bool] = mapped_column(Boolean, default=True)
    send_for_all_actions: Mapped[bool] = mapped_column(Boolean, default=True)
    actions: Mapped[str] = mapped_column(Text, default="[]")
    headers: Mapped[str] = mapped_column(Text, default="{}")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # HMAC-SHA256 key for the X-Labelart-Signature header, generated per hook.
    secret: Mapped[str] = mapped_column(String(128))
    created_by_id: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """Outbox row: written with the event's transaction, sent by a worker, kept if Redis is down."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_deliveries_status", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(JSONText)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(nullable=True)


class Job(Base):
    """A long import or export: its progress is polled by clients."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[str] = mapped_column(Text, default="{}")
    progress: Mapped[int] = mapped_column(BigId, default=0)
    total: Mapped[Optional[int]] = mapped_column(BigId, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str] = mapped_column(Text, default="")
    file_path: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(nullable=True)


class Setting(Base):
    """Admin settings changed at run time (e.g. the fetch allow-list)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
