"""Alembic migrations run up and down on SQLite and MariaDB, and match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from worker.extensions import make_engine
from worker.migrate import downgrade, upgrade
from worker.models import Base


def _diff(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_upgrade_matches_models_and_downgrades(app):
    url = app.config["DATABASE_URL"]
    assert _diff(url) == []
    downgrade(url, "0001")
    downgrade(url, "base")
    upgrade(url)
    assert _diff(url) == []
