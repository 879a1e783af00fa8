"""Declarative base and column helpers shared by every model module."""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, Integer, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase

# JSON is stored as text we encode with orjson: identical on SQLite and MariaDB,
# and exports can splice the stored bytes without decoding them.
JSONText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# SQLite only auto-increments INTEGER PRIMARY KEY; MariaDB gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime()}
