"""Drop sources.deleted_at: deleting a source removes its row, so the column was never set.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# Not in batch mode: on SQLite a batch drop recreates `sources`, and dropping the old
# table with foreign keys on would cascade into every submission, reply and session.
# ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL) keeps the rows in place.
def upgrade() -> None:
    op.drop_column('sources', 'deleted_at')


def downgrade() -> None:
    op.add_column('sources', sa.Column('deleted_at', sa.DateTime(), nullable=True))
