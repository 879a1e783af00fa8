"""People and their credentials."""
import hashlib
import secrets
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, String, Index
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, BigId, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set for accounts that arrive through WordPress single sign-on.
    wp_user_id: Mapped[Optional[int]] = mapped_column(BigId, unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password):
        # Werkzeug's default is scrypt, a memory-hard KDF.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def to_dict(self):
        return {"id": self.id, "username": self.username, "email": self.email,
                "first_name": self.display_name, "display_name": self.display_name,
                "is_superuser": self.is_superuser}


def hash_token(raw):
    """Tokens are stored as SHA-256 digests: a database leak gives no usable keys."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_key():
    return secrets.token_hex(20)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="default")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_users_wp", User.wp_user_id)
