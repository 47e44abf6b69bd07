"""leaderboard privacy and period snapshots

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leaderboard_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=12), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('members', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaderboard_snapshots')),
    sa.UniqueConstraint('period', 'scope', 'subject_id', name=op.f('uq_leaderboard_snapshots_period_scope_subject_id'))
    )
    with op.batch_alter_table('leaderboard_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_leaderboard_snapshots_period_scope_rank', ['period', 'scope', 'rank'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hide_from_boards', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    op.drop_table('leaderboard_snapshots')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('hide_from_boards')
