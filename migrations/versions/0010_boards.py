"""brainstorming boards

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The point rules of boards (admins change them on the points page); see
# portal/gamification/board_subscribers.py.
BOARD_RULES = [
    {"action": "idea_posted", "label": "Post an idea on a board", "points": 10,
     "daily_cap": 5, "cooldown_seconds": 0, "active": True},
    {"action": "idea_voted", "label": "Vote for an idea", "points": 1,
     "daily_cap": 10, "cooldown_seconds": 0, "active": True},
    {"action": "idea_accepted", "label": "Have an idea accepted", "points": 50,
     "daily_cap": None, "cooldown_seconds": 0, "active": True},
    {"action": "idea_implemented", "label": "Have an idea implemented", "points": 100,
     "daily_cap": None, "cooldown_seconds": 0, "active": True},
]


def _rules_table():
    return sa.table(
        "point_rules",
        sa.column("action", sa.String),
        sa.column("label", sa.String),
        sa.column("points", sa.Integer),
        sa.column("daily_cap", sa.Integer),
        sa.column("cooldown_seconds", sa.Integer),
        sa.column("active", sa.Boolean),
    )


def upgrade():
    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prompt', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('collecting', 'voting', 'closed', name='boardphase', native_enum=False, length=16), nullable=False),
    sa.Column('session_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_minutes', sa.Integer(), nullable=False),
    sa.Column('newcomers_welcome', sa.Boolean(), nullable=False),
    sa.Column('vote_mode', sa.Enum('single', 'dots', name='votemode', native_enum=False, length=16), nullable=False),
    sa.Column('dot_budget', sa.Integer(), nullable=False),
    sa.Column('hide_counts', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_boards_owner_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_boards_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boards'))
    )
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.create_index('ix_boards_session_at', ['session_at'], unique=False)
        batch_op.create_index('ix_boards_team_phase', ['team_id', 'phase'], unique=False)

    op.create_table('ideas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('new', 'under_review', 'accepted', 'implemented', 'declined', 'merged', name='ideastatus', native_enum=False, length=16), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ideas_author_id_users')),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_ideas_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['ideas.id'], name=op.f('fk_ideas_merged_into_id_ideas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ideas'))
    )
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index('ix_ideas_board_created', ['board_id', 'created_at'], unique=False)

    op.create_table('idea_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_idea_comments_author_id_users')),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_comments_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['idea_comments.id'], name=op.f('fk_idea_comments_parent_id_idea_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_comments'))
    )
    with op.batch_alter_table('idea_comments', schema=None) as batch_op:
        batch_op.create_index('ix_idea_comments_idea_created', ['idea_id', 'created_at'], unique=False)

    # One row per person and idea (a unique key, so no race gives anyone two votes);
    # `dots` counts a person's dot-votes on the idea.
    op.create_table('idea_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dots', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_idea_votes_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_votes_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idea_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_votes')),
    sa.UniqueConstraint('idea_id', 'user_id', name=op.f('uq_idea_votes_idea_id_user_id'))
    )
    with op.batch_alter_table('idea_votes', schema=None) as batch_op:
        batch_op.create_index('ix_idea_votes_board_user', ['board_id', 'user_id'], unique=False)

    op.bulk_insert(_rules_table(), BOARD_RULES)


def downgrade():
    rules = _rules_table()
    op.execute(rules.delete().where(rules.c.action.in_([r["action"] for r in BOARD_RULES])))

    with op.batch_alter_table('idea_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_votes_board_user')

    op.drop_table('idea_votes')
    with op.batch_alter_table('idea_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_comments_idea_created')

    op.drop_table('idea_comments')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_index('ix_ideas_board_created')

    op.drop_table('ideas')
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.drop_index('ix_boards_team_phase')
        batch_op.drop_index('ix_boards_session_at')

    op.drop_table('boards')
