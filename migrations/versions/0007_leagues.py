"""weekly leagues

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('league_cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('newcomer', sa.Boolean(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_league_cohorts')),
    sa.UniqueConstraint('week', 'tier', 'newcomer', 'number', name=op.f('uq_league_cohorts_week_tier_newcomer_number'))
    )
    with op.batch_alter_table('league_cohorts', schema=None) as batch_op:
        batch_op.create_index('ix_league_cohorts_closed_at_week', ['closed_at', 'week'], unique=False)

    op.create_table('league_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('xp', sa.Integer(), nullable=False),
    sa.Column('xp_reached_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('next_tier', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['league_cohorts.id'], name=op.f('fk_league_memberships_cohort_id_league_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_league_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_league_memberships')),
    sa.UniqueConstraint('week', 'user_id', name=op.f('uq_league_memberships_week_user_id'))
    )
    with op.batch_alter_table('league_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_league_memberships_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_league_memberships_user_week', ['user_id', 'week'], unique=False)


def downgrade():
    with op.batch_alter_table('league_memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_league_memberships_user_week')
        batch_op.drop_index(batch_op.f('ix_league_memberships_cohort_id'))

    op.drop_table('league_memberships')
    with op.batch_alter_table('league_cohorts', schema=None) as batch_op:
        batch_op.drop_index('ix_league_cohorts_closed_at_week')

    op.drop_table('league_cohorts')
