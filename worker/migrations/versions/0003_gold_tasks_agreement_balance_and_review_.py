"""gold tasks, agreement, balance and review settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:41:43.916769
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold_rate', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('balance_field', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review_threshold', sa.Float(), server_default='0', nullable=False))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_gold', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('agreement', sa.Float(), nullable=True))




def downgrade():

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('agreement')
        batch_op.drop_column('is_gold')

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('review_threshold')
        batch_op.drop_column('balance_field')
        batch_op.drop_column('gold_rate')


