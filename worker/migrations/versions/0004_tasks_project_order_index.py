"""tasks (project_id, id) index for exports and keyset pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 16:25:00
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_project_order', 'tasks', ['project_id', 'id'])


def downgrade():
    op.drop_index('ix_tasks_project_order', table_name='tasks')
