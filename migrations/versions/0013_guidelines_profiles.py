"""posting guidelines and personal-brand profiles

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guideline_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_guideline_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_guideline_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline_versions')),
    sa.UniqueConstraint('number', name=op.f('uq_guideline_versions_number'))
    )
    with op.batch_alter_table('guideline_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guideline_versions_published_at'), ['published_at'], unique=False)

    op.create_table('guideline_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guideline_acknowledgements_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['guideline_versions.id'], name=op.f('fk_guideline_acknowledgements_version_id_guideline_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline_acknowledgements')),
    sa.UniqueConstraint('user_id', 'version_id', name=op.f('uq_guideline_acknowledgements_user_id_version_id'))
    )
    with op.batch_alter_table('guideline_acknowledgements', schema=None) as batch_op:
        batch_op.create_index('ix_guideline_acknowledgements_version', ['version_id'], unique=False)

    op.create_table('caption_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure', sa.String(length=200), nullable=False),
    sa.Column('blocked_terms', sa.Text(), nullable=False),
    sa.Column('limit_x', sa.Integer(), nullable=True),
    sa.Column('limit_linkedin', sa.Integer(), nullable=True),
    sa.Column('limit_facebook', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_caption_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caption_rules'))
    )

    op.create_table('brand_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('headline', sa.String(length=120), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('expertise', sa.JSON(), nullable=False),
    sa.Column('linkedin_url', sa.String(length=300), nullable=False),
    sa.Column('x_url', sa.String(length=300), nullable=False),
    sa.Column('facebook_url', sa.String(length=300), nullable=False),
    sa.Column('followers_linkedin', sa.Integer(), nullable=False),
    sa.Column('followers_x', sa.Integer(), nullable=False),
    sa.Column('followers_facebook', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('followers_linkedin >= 0 AND followers_x >= 0 AND followers_facebook >= 0', name=op.f('ck_brand_profiles_followers_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_brand_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_brand_profiles'))
    )
    op.create_table('speaking_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('talk', 'podcast', 'article', 'panel', 'webinar', name='appearancekind', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('event', sa.String(length=200), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_speaking_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaking_entries'))
    )
    with op.batch_alter_table('speaking_entries', schema=None) as batch_op:
        batch_op.create_index('ix_speaking_entries_user_date', ['user_id', 'happened_on'], unique=False)

    point_rules = sa.table('point_rules',
        sa.column('action', sa.String), sa.column('label', sa.String), sa.column('points', sa.Integer),
        sa.column('daily_cap', sa.Integer), sa.column('cooldown_seconds', sa.Integer), sa.column('active', sa.Boolean))
    op.bulk_insert(point_rules, [
        {'action': 'guidelines_acknowledged', 'label': 'Acknowledge the posting guidelines (each version)',
         'points': 10, 'daily_cap': None, 'cooldown_seconds': 0, 'active': True},
    ])


def downgrade():
    op.execute("DELETE FROM point_rules WHERE action = 'guidelines_acknowledged'")
    with op.batch_alter_table('speaking_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_speaking_entries_user_date')

    op.drop_table('speaking_entries')
    op.drop_table('brand_profiles')
    op.drop_table('caption_rules')
    with op.batch_alter_table('guideline_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index('ix_guideline_acknowledgements_version')

    op.drop_table('guideline_acknowledgements')
    with op.batch_alter_table('guideline_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guideline_versions_published_at'))

    op.drop_table('guideline_versions')
