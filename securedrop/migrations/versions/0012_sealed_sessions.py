"""Sealed session records, and a login throttle that counts unknown usernames too.

web_sessions loses `source_id` and `expires_at` (a coarse `purge_after` hour replaces
the latter). Existing records cannot be rewritten (their keys exist only in browsers'
cookies), so the table is recreated empty: everyone logs in again once after upgrading.

journalist_login_attempts (per existing journalist) becomes login_throttles (per keyed
hash of a username, browser or device); attempts only matter for 60 s, so none are kept.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
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


def _create_login_attempts() -> None:
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


def upgrade() -> None:
    op.drop_table('journalist_login_attempts')
    op.create_table('login_throttles',
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('recent', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_login_throttles'))
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_updated_at'), ['updated_at'], unique=False)
    # Dropped, not altered: the old rows' clear columns are what must go, and a batch
    # rebuild on SQLite would copy them through a temporary table first.
    op.drop_table('web_sessions')
    _create_web_sessions(clear_identity=False)


def downgrade() -> None:
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_updated_at'))
    op.drop_table('login_throttles')
    _create_login_attempts()
    op.drop_table('web_sessions')
    _create_web_sessions(clear_identity=True)
