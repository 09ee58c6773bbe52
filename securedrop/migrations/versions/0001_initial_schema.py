"""Initial schema: sources, submissions, replies, journalists, seen-records, settings, sessions.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instance_config',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=True),
    sa.Column('allow_document_uploads', sa.Boolean(), nullable=False),
    sa.Column('organization_name', sa.String(length=64), nullable=False),
    sa.Column('initial_message_min_len', sa.Integer(), nullable=False),
    sa.Column('reject_message_with_codename', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_instance_config'))
    )
    with op.batch_alter_table('instance_config', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_config_valid_until'), ['valid_until'], unique=False)

    op.create_table('journalists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('passphrase_hash', sa.String(length=256), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('otp_secret', sa.String(length=64), nullable=False),
    sa.Column('is_totp', sa.Boolean(), nullable=False),
    sa.Column('hotp_counter', sa.Integer(), nullable=False),
    sa.Column('last_totp_step', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('last_login', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journalists')),
    sa.UniqueConstraint('username', name=op.f('uq_journalists_username')),
    sa.UniqueConstraint('uuid', name=op.f('uq_journalists_uuid'))
    )
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('filesystem_id', sa.String(length=104), nullable=False),
    sa.Column('journalist_designation', sa.String(length=255), nullable=False),
    sa.Column('last_updated', sa.DateTime(), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('is_starred', sa.Boolean(), nullable=False),
    sa.Column('interaction_count', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('sealed_secret_key', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('filesystem_id', name=op.f('uq_sources_filesystem_id')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_sources_fingerprint')),
    sa.UniqueConstraint('uuid', name=op.f('uq_sources_uuid'))
    )
    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=71), nullable=False),
    sa.Column('deleted_by_source', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_replies_journalist_id_journalists')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_replies_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies')),
    sa.UniqueConstraint('source_id', 'filename', name=op.f('uq_replies_source_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_replies_uuid'))
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replies_journalist_id'), ['journalist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replies_source_id'), ['source_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=71), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_submissions_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('source_id', 'filename', name=op.f('uq_submissions_source_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_submissions_uuid'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_source_id'), ['source_id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('app', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('journalist_id', sa.Integer(), nullable=True),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_web_sessions_journalist_id_journalists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_web_sessions_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_journalist_id'), ['journalist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_source_id'), ['source_id'], unique=False)

    op.create_table('seen_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['submissions.id'], name=op.f('fk_seen_files_file_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_seen_files_journalist_id_journalists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_files')),
    sa.UniqueConstraint('file_id', 'journalist_id', name=op.f('uq_seen_files_file_id'))
    )
    with op.batch_alter_table('seen_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_files_journalist_id'), ['journalist_id'], unique=False)

    op.create_table('seen_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_seen_messages_journalist_id_journalists')),
    sa.ForeignKeyConstraint(['message_id'], ['submissions.id'], name=op.f('fk_seen_messages_message_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_messages')),
    sa.UniqueConstraint('message_id', 'journalist_id', name=op.f('uq_seen_messages_message_id'))
    )
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_messages_journalist_id'), ['journalist_id'], unique=False)

    op.create_table('seen_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('journalist_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journalist_id'], ['journalists.id'], name=op.f('fk_seen_replies_journalist_id_journalists')),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_seen_replies_reply_id_replies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_replies')),
    sa.UniqueConstraint('reply_id', 'journalist_id', name=op.f('uq_seen_replies_reply_id'))
    )
    with op.batch_alter_table('seen_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_replies_journalist_id'), ['journalist_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seen_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_replies_journalist_id'))

    op.drop_table('seen_replies')
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_messages_journalist_id'))

    op.drop_table('seen_messages')
    with op.batch_alter_table('seen_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_files_journalist_id'))

    op.drop_table('seen_files')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_source_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_journalist_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_source_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replies_source_id'))
        batch_op.drop_index(batch_op.f('ix_replies_journalist_id'))

    op.drop_table('replies')
    op.drop_table('sources')
    op.drop_table('journalists')
    with op.batch_alter_table('instance_config', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_config_valid_until'))

    op.drop_table('instance_config')
