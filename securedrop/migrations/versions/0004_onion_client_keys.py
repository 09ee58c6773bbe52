"""Onion client-authorization keys: one x25519 public key per journalist device.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('onion_client_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.Column('device_name', sa.String(length=100), nullable=False),
    sa.Column('public_key', sa.String(length=52), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_onion_client_keys_journalist_id_journalists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onion_client_keys')),
    sa.UniqueConstraint('public_key', name=op.f('uq_onion_client_keys_public_key')),
    sa.UniqueConstraint('uuid', name=op.f('uq_onion_client_keys_uuid'))
    )
    with op.batch_alter_table('onion_client_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onion_client_keys_journalist_id'), ['journalist_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('onion_client_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onion_client_keys_journalist_id'))

    op.drop_table('onion_client_keys')
