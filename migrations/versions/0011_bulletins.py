"""bulletins

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.Enum('algorithm_update', 'best_practice', 'policy', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('action_items', sa.JSON(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('for_everyone', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'published', 'cancelled', name='bulletinstatus', native_enum=False, length=20), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bulletins_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_bulletins_lesson_id_lessons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins'))
    )
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletins_category'), ['category'], unique=False)
        batch_op.create_index('ix_bulletins_status_publish_at', ['status', 'publish_at'], unique=False)
        batch_op.create_index('ix_bulletins_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('bulletin_networks',
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('network', sa.Enum('linkedin', 'x', 'facebook', 'instagram', name='network', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], name=op.f('fk_bulletin_networks_bulletin_id_bulletins'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bulletin_id', 'network', name=op.f('pk_bulletin_networks'))
    )
    op.create_table('bulletin_teams',
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], name=op.f('fk_bulletin_teams_bulletin_id_bulletins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_bulletin_teams_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bulletin_id', 'team_id', name=op.f('pk_bulletin_teams'))
    )
    op.create_table('bulletin_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], name=op.f('fk_bulletin_reads_bulletin_id_bulletins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bulletin_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_reads')),
    sa.UniqueConstraint('bulletin_id', 'user_id', name=op.f('uq_bulletin_reads_bulletin_id_user_id'))
    )
    with op.batch_alter_table('bulletin_reads', schema=None) as batch_op:
        batch_op.create_index('ix_bulletin_reads_user_acknowledged', ['user_id', 'acknowledged_at'], unique=False)

    # The point rule for acknowledging (admins change it on the points page).
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
            {"action": "bulletin_acknowledged", "label": "Acknowledge a bulletin", "points": 5,
             "daily_cap": 5, "cooldown_seconds": 0, "active": True},
        ],
    )


def downgrade():
    op.execute("DELETE FROM point_rules WHERE action = 'bulletin_acknowledged'")
    with op.batch_alter_table('bulletin_reads', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletin_reads_user_acknowledged')

    op.drop_table('bulletin_reads')
    op.drop_table('bulletin_teams')
    op.drop_table('bulletin_networks')
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletins_status_published_at')
        batch_op.drop_index('ix_bulletins_status_publish_at')
        batch_op.drop_index(batch_op.f('ix_bulletins_category'))

    op.drop_table('bulletins')
