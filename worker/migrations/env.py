"""Alembic environment: the URL comes from the caller (``labelart init``) or the environment."""
from alembic import context

from worker.config import load_config
from worker.extensions import make_engine
from worker.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_config()["DATABASE_URL"]


def run_migrations_online():
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_migrations_offline():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
