"""proactive messages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_notices',
    sa.Column('dedup_key', sa.String(length=300), nullable=False),
    sa.Column('owner_email', sa.String(length=320), nullable=False),
    sa.Column('first_sent_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dedup_key', name=op.f('pk_alert_notices'))
    )
    op.create_table('digest_subscriptions',
    sa.Column('channel_id', sa.String(length=40), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('local_time', sa.String(length=5), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('segment', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_digest_subscriptions'))
    )
    op.create_table('ingested_events',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('received_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_ingested_events'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('user_id', sa.String(length=40), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('sent_ts', sa.String(length=40), nullable=True),
    sa.Column('sent_channel', sa.String(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('claim_key', name=op.f('uq_outbox_claim_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    op.create_table('snoozes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('user_id', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('until', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snoozes'))
    )
    with op.batch_alter_table('snoozes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snoozes_until'), ['until'], unique=False)

    op.create_table('work_claims',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('claimed_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_work_claims'))
    )
    with op.batch_alter_table('work_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_claims_claimed_at'), ['claimed_at'], unique=False)

    op.create_table('first_wins',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('won_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('announced', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_first_wins_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', name=op.f('pk_first_wins'))
    )
    op.create_table('outbox_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_outbox_files_outbox_id_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_files'))
    )
    with op.batch_alter_table('outbox_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_files_outbox_id'), ['outbox_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_files_outbox_id'))

    op.drop_table('outbox_files')
    op.drop_table('first_wins')
    with op.batch_alter_table('work_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_claims_claimed_at'))

    op.drop_table('work_claims')
    with op.batch_alter_table('snoozes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snoozes_until'))

    op.drop_table('snoozes')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status_next_attempt_at'))

    op.drop_table('outbox')
    op.drop_table('ingested_events')
    op.drop_table('digest_subscriptions')
    op.drop_table('alert_notices')
