"""advocacy content library, shares and tracked links

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('image_url', sa.String(length=2000), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('campaign', sa.String(length=80), nullable=False),
    sa.Column('caption_linkedin', sa.Text(), nullable=False),
    sa.Column('caption_x', sa.Text(), nullable=False),
    sa.Column('caption_facebook', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('for_everyone', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('suggested', 'published', 'rejected', name='contentstatus', native_enum=False, length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('share_count', sa.Integer(), nullable=False),
    sa.Column('owner_team_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('suggested_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_content_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['owner_team_id'], ['teams.id'], name=op.f('fk_content_items_owner_team_id_teams')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_content_items_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['suggested_by_id'], ['users.id'], name=op.f('fk_content_items_suggested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_items'))
    )
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.create_index('ix_content_items_status_published', ['status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_items_suggested_by_id'), ['suggested_by_id'], unique=False)

    op.create_table('content_item_teams',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_item_teams_item_id_content_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_content_item_teams_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'team_id', name=op.f('pk_content_item_teams'))
    )
    op.create_table('tracked_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('network', sa.Enum('linkedin', 'x', 'facebook', name='network', native_enum=False, length=16), nullable=False),
    sa.Column('sharer_visitor', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_tracked_links_item_id_content_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tracked_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracked_links')),
    sa.UniqueConstraint('code', name=op.f('uq_tracked_links_code')),
    sa.UniqueConstraint('user_id', 'item_id', 'network', name=op.f('uq_tracked_links_user_id_item_id_network'))
    )
    with op.batch_alter_table('tracked_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracked_links_item_id'), ['item_id'], unique=False)

    op.create_table('content_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('network', sa.Enum('linkedin', 'x', 'facebook', name='network', native_enum=False, length=16), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_shares_item_id_content_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['tracked_links.id'], name=op.f('fk_content_shares_link_id_tracked_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_content_shares_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_shares'))
    )
    with op.batch_alter_table('content_shares', schema=None) as batch_op:
        batch_op.create_index('ix_content_shares_item_network_created', ['item_id', 'network', 'created_at'], unique=False)
        batch_op.create_index('ix_content_shares_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('share_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['tracked_links.id'], name=op.f('fk_share_clicks_link_id_tracked_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_clicks')),
    sa.UniqueConstraint('link_id', 'day', 'visitor', name=op.f('uq_share_clicks_link_id_day_visitor'))
    )
    op.create_table('share_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_share_reminders_item_id_content_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_share_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_reminders')),
    sa.UniqueConstraint('user_id', 'item_id', name=op.f('uq_share_reminders_user_id_item_id'))
    )
    with op.batch_alter_table('share_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_share_reminders_sent_remind', ['sent_at', 'remind_at'], unique=False)

    # Points for sharing (portal/gamification/advocacy_subscribers.py; admins change them).
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
            {"action": "content_shared",
             "label": "Share content from the library (once per item and network)",
             "points": 5, "daily_cap": 5, "cooldown_seconds": 0, "active": True},
            {"action": "share_clicked", "label": "A verified click on a link you shared",
             "points": 2, "daily_cap": 25, "cooldown_seconds": 0, "active": True},
        ],
    )


def downgrade():
    op.execute("DELETE FROM point_rules WHERE action IN ('content_shared', 'share_clicked')")
    with op.batch_alter_table('share_reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_share_reminders_sent_remind')

    op.drop_table('share_reminders')
    op.drop_table('share_clicks')
    with op.batch_alter_table('content_shares', schema=None) as batch_op:
        batch_op.drop_index('ix_content_shares_user_created')
        batch_op.drop_index('ix_content_shares_item_network_created')

    op.drop_table('content_shares')
    with op.batch_alter_table('tracked_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracked_links_item_id'))

    op.drop_table('tracked_links')
    op.drop_table('content_item_teams')
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_items_suggested_by_id'))
        batch_op.drop_index('ix_content_items_status_published')

    op.drop_table('content_items')
