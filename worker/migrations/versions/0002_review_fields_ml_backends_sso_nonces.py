"""review fields, ml backends, sso nonces

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 13:09:55.094046
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('sso_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('sso_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('ml_backends',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('model_name', sa.String(length=100), nullable=False),
    sa.Column('auth_method', sa.String(length=16), nullable=False),
    sa.Column('basic_auth_user', sa.String(length=200), nullable=False),
    sa.Column('basic_auth_pass', sa.String(length=200), nullable=False),
    sa.Column('is_interactive', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.Column('train_every', sa.Integer(), nullable=False),
    sa.Column('annotations_at_last_train', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uncertainty', sa.String(length=20), nullable=False),
    sa.Column('extra_params', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_backends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_backends_project_id'), ['project_id'], unique=False)

    op.create_table('ml_training_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ml_backend_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.Column('annotation_count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('metrics', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ml_backend_id'], ['ml_backends.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_training_runs', schema=None) as batch_op:
        batch_op.create_index('ix_training_backend', ['ml_backend_id', 'id'], unique=False)

    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('review_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))




def downgrade():

    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('review_status')

    op.drop_table('ml_training_runs')
    op.drop_table('ml_backends')
    op.drop_table('sso_nonces')

