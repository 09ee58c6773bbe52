"""API v2 sync: a change counter, each source's last-change stamp, and applied event ids.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    sync_state = op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )
    # The single row every change bumps (domain.versions relies on it existing).
    op.bulk_insert(sync_state, [{'id': 1, 'generation': 0}])
    op.create_table('applied_events',
    sa.Column('event_id', sa.String(length=20), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_applied_events_journalist_id_journalists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_applied_events'))
    )
    with op.batch_alter_table('applied_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applied_events_journalist_id'), ['journalist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applied_events_recorded_at'), ['recorded_at'], unique=False)
    # Not in batch mode: on SQLite a batch alter recreates `sources`, and dropping the old
    # table with foreign keys on would cascade into every submission and reply (see 0005).
    op.add_column('sources', sa.Column('sync_generation', sa.BigInteger(), server_default='0', nullable=False))
    # An index cache asks for the sources stamped after the generation it holds.
    op.create_index(op.f('ix_sources_sync_generation'), 'sources', ['sync_generation'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sources_sync_generation'), table_name='sources')
    op.drop_column('sources', 'sync_generation')
    with op.batch_alter_table('applied_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applied_events_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_applied_events_journalist_id'))
    op.drop_table('applied_events')
    op.drop_table('sync_state')
