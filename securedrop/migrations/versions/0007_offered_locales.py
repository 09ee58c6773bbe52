"""instance_config.offered_locales: the languages an admin chose to offer (NULL: all configured).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instance_config') as batch:
        batch.add_column(sa.Column('offered_locales', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instance_config') as batch:
        batch.drop_column('offered_locales')
