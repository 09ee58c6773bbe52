"""Retention: a period in the instance settings, each source's last activity and its one extension.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN (SQLite 3.35+, PostgreSQL), not batch mode: a batch rebuild of
# `sources` with foreign keys on would cascade into every submission and reply.
def upgrade() -> None:
    op.add_column('instance_config', sa.Column('retention_days', sa.Integer(), nullable=True))
    # SQLite adds a NOT NULL column only with a constant default; every row then gets its
    # real value: until now only submissions were timed (a reply's time was not recorded),
    # so the period counts from the last submission.
    op.add_column('sources', sa.Column(
        'last_activity', sa.DateTime(), nullable=False, server_default='1970-01-01 00:00:00'
    ))
    op.execute("UPDATE sources SET last_activity = last_updated")
    op.create_table(
        'retention_extensions',
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('journalist_id', sa.Integer(), nullable=True),
        sa.Column('extended_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name='fk_retention_extensions_source_id_sources',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'],
                                name='fk_retention_extensions_journalist_id_journalists', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('source_id', name='pk_retention_extensions'),
    )

def downgrade() -> None:
    op.drop_table('retention_extensions')
    op.drop_column('sources', 'last_activity')
    op.drop_column('instance_config', 'retention_days')
