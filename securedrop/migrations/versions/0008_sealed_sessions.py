"""Session records keep which source they belong to and their exact expiry sealed.

web_sessions loses `source_id` and `expires_at` (a coarse `purge_after` hour replaces
the latter). Existing records cannot be rewritten (their keys exist only in browsers'
cookies), so the table is recreated empty: everyone logs in again once after upgrading.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def _create_web_sessions(clear_identity: bool) -> None:
    columns: list[sa.Column[object] | sa.Constraint] = [
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('app', sa.String(length=16), nullable=False),
    ]
    if clear_identity:
        columns += [
            sa.Column('expires_at', sa.DateTime(), nullable=False),
            sa.Column('source_id', sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_web_sessions_source_id_sources'),
                                    ondelete='CASCADE'),
        ]
    else:
        columns.append(sa.Column('purge_after', sa.DateTime(), nullable=False))
    columns += [
        sa.Column('journalist_id', sa.Integer(), nullable=True),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'],
                                name=op.f('fk_web_sessions_journalist_id_journalists'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions')),
    ]
    op.create_table('web_sessions', *columns)
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_journalist_id'), ['journalist_id'], unique=False)
        if clear_identity:
            batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_web_sessions_source_id'), ['source_id'], unique=False)
        else:
            batch_op.create_index(batch_op.f('ix_web_sessions_purge_after'), ['purge_after'], unique=False)


def upgrade() -> None:
    # Dropped, not altered: the old rows' clear columns are what must go, and a batch
    # rebuild on SQLite would copy them through a temporary table first.
    op.drop_table('web_sessions')
    _create_web_sessions(clear_identity=False)


def downgrade() -> None:
    op.drop_table('web_sessions')
    _create_web_sessions(clear_identity=True)
