"""notifications: index email deliveries by notification

Deleting a notification sets its deliveries' notification_id to NULL; without
an index every deleted notification scanned the whole email_deliveries table
(324,536 deletions took over five minutes at 100,000 people).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_email_deliveries_notification_id', ['notification_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('email_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_email_deliveries_notification_id')
