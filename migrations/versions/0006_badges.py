"""badges and Open Badges assertions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criteria_text', sa.Text(), nullable=False),
    sa.Column('icon', sa.String(length=24), nullable=False),
    sa.Column('colour', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('seed_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_badges_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badges')),
    sa.UniqueConstraint('seed_key', name=op.f('uq_badges_seed_key'))
    )
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.create_index('ix_badges_kind_metric', ['kind', 'metric'], unique=False)

    op.create_table('badge_assertions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('badge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('identity_hash', sa.String(length=80), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], name=op.f('fk_badge_assertions_badge_id_badges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_badge_assertions_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_badge_assertions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_assertions')),
    sa.UniqueConstraint('badge_id', 'user_id', name=op.f('uq_badge_assertions_badge_id_user_id')),
    sa.UniqueConstraint('uid', name=op.f('uq_badge_assertions_uid'))
    )
    with op.batch_alter_table('badge_assertions', schema=None) as batch_op:
        batch_op.create_index('ix_badge_assertions_user_issued', ['user_id', 'issued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('badge_assertions', schema=None) as batch_op:
        batch_op.drop_index('ix_badge_assertions_user_issued')

    op.drop_table('badge_assertions')
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.drop_index('ix_badges_kind_metric')

    op.drop_table('badges')
