"""Journalist login attempts: the record behind the login throttle.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journalist_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.Column('timestamp', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'],
                            name=op.f('fk_journalist_login_attempts_journalist_id_journalists'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journalist_login_attempts'))
    )
    with op.batch_alter_table('journalist_login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_journalist_login_attempts_journalist_time',
                              ['journalist_id', 'timestamp'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('journalist_login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_journalist_login_attempts_journalist_time')
    op.drop_table('journalist_login_attempts')
