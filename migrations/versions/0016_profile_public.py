"""profiles: when follower counts changed, opt-in public profile pages

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 21:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

NETWORKS = ('linkedin', 'x', 'facebook')


def upgrade():
    with op.batch_alter_table('brand_profiles', schema=None) as batch_op:
        for network in NETWORKS:
            batch_op.add_column(
                sa.Column(f'followers_{network}_updated_at', sa.DateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(
            sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('public_slug', sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column('public_followers', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('public_indexable', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(batch_op.f('uq_brand_profiles_public_slug'), ['public_slug'])
    # Counts declared before this revision: the last save is the best date we know.
    for network in NETWORKS:
        op.execute(
            f"UPDATE brand_profiles SET followers_{network}_updated_at = updated_at "
            f"WHERE followers_{network} > 0"
        )


def downgrade():
    with op.batch_alter_table('brand_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_brand_profiles_public_slug'), type_='unique')
        batch_op.drop_column('public_indexable')
        batch_op.drop_column('public_followers')
        batch_op.drop_column('public_slug')
        batch_op.drop_column('public')
        for network in reversed(NETWORKS):
            batch_op.drop_column(f'followers_{network}_updated_at')
