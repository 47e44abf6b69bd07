"""team challenges

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('versus', sa.Boolean(), nullable=False),
    sa.Column('reward_points', sa.Integer(), nullable=False),
    sa.Column('reward_badge_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_challenges_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reward_badge_id'], ['badges.id'], name=op.f('fk_challenges_reward_badge_id_badges'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_challenges_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.create_index('ix_challenges_ends_at', ['ends_at'], unique=False)

    op.create_table('challenge_teams',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('final_progress', sa.Integer(), nullable=True),
    sa.Column('won', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_teams_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_challenge_teams_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'team_id', name=op.f('pk_challenge_teams'))
    )
    with op.batch_alter_table('challenge_teams', schema=None) as batch_op:
        batch_op.create_index('ix_challenge_teams_team_id', ['team_id'], unique=False)

    # The rule behind challenge rewards (portal.gamification.challenge_settlement): each
    # challenge sets its own points; the rule's points are what the form suggests, and
    # switching it off stops challenge points.
    rules = sa.table(
        "point_rules",
        sa.column("action", sa.String),
        sa.column("label", sa.String),
        sa.column("points", sa.Integer),
        sa.column("daily_cap", sa.Integer),
        sa.column("cooldown_seconds", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        rules,
        [
            {"action": "challenge_won", "label": "Win a team challenge", "points": 100,
             "daily_cap": None, "cooldown_seconds": 0, "active": True},
        ],
    )


def downgrade():
    op.execute("DELETE FROM point_rules WHERE action = 'challenge_won'")
    with op.batch_alter_table('challenge_teams', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_teams_team_id')

    op.drop_table('challenge_teams')
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_challenges_ends_at')

    op.drop_table('challenges')
