"""insights: daily roll-ups, segments, KPI goals and settings

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 20:48:33.594858

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('insights_person_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'day', 'metric', 'team_id', name=op.f('pk_insights_person_days'))
    )
    with op.batch_alter_table('insights_person_days', schema=None) as batch_op:
        batch_op.create_index('ix_insights_person_days_day', ['day'], unique=False)
        batch_op.create_index('ix_insights_person_days_metric_day_user', ['metric', 'day', 'user_id'], unique=False)

    op.create_table('insights_person_periods',
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'metric', 'start', 'user_id', name=op.f('pk_insights_person_periods'))
    )
    op.create_table('insights_segment_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.Enum('champion', 'engaged', 'emerging', 'not_engaged', name='segment', native_enum=False, length=16), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'team_id', 'segment', name=op.f('pk_insights_segment_days'))
    )
    op.create_table('insights_team_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'team_id', 'metric', name=op.f('pk_insights_team_days'))
    )
    with op.batch_alter_table('insights_team_days', schema=None) as batch_op:
        batch_op.create_index('ix_insights_team_days_team_metric_day', ['team_id', 'metric', 'day'], unique=False)

    op.create_table('insights_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('click_value_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('starter_path_id', sa.Integer(), nullable=True),
    sa.Column('rolled_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('segmented_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['starter_path_id'], ['learning_paths.id'], name=op.f('fk_insights_settings_starter_path_id_learning_paths'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insights_settings'))
    )
    op.create_table('insights_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('period', sa.Enum('week', 'month', 'quarter', name='goalperiod', native_enum=False, length=8), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target > 0', name=op.f('ck_insights_goals_target_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_insights_goals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_insights_goals_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insights_goals'))
    )
    with op.batch_alter_table('insights_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insights_goals_team_id'), ['team_id'], unique=False)

    op.create_table('insights_segment_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.Enum('champion', 'engaged', 'emerging', 'not_engaged', name='segment', native_enum=False, length=16), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('active_days', sa.Integer(), nullable=False),
    sa.Column('learning', sa.Integer(), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_insights_segment_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_insights_segment_members'))
    )
    with op.batch_alter_table('insights_segment_members', schema=None) as batch_op:
        batch_op.create_index('ix_insights_segment_members_team_segment', ['team_id', 'segment'], unique=False)



def downgrade():
    with op.batch_alter_table('insights_segment_members', schema=None) as batch_op:
        batch_op.drop_index('ix_insights_segment_members_team_segment')

    op.drop_table('insights_segment_members')
    with op.batch_alter_table('insights_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insights_goals_team_id'))

    op.drop_table('insights_goals')
    op.drop_table('insights_settings')
    with op.batch_alter_table('insights_team_days', schema=None) as batch_op:
        batch_op.drop_index('ix_insights_team_days_team_metric_day')

    op.drop_table('insights_team_days')
    op.drop_table('insights_segment_days')
    op.drop_table('insights_person_periods')
    with op.batch_alter_table('insights_person_days', schema=None) as batch_op:
        batch_op.drop_index('ix_insights_person_days_metric_day_user')
        batch_op.drop_index('ix_insights_person_days_day')

    op.drop_table('insights_person_days')
