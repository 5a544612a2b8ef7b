"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('finished_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=100), nullable=True),
    sa.Column('tier', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('segment', sa.String(length=100), nullable=True),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('onboarded_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='active', nullable=False),
    sa.Column('sunset_on', sa.Date(), nullable=True),
    sa.Column('slack_channel', sa.String(length=40), nullable=True),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'sunset')", name=op.f('ck_partners_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('external_id', name=op.f('uq_partners_external_id'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_onboarded_on'), ['onboarded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_owner_email'), ['owner_email'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('slack_user_id', sa.String(length=40), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('manager_email', sa.String(length=320), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IS NULL OR role IN ('admin', 'manager', 'viewer')", name=op.f('ck_people_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('email', name=op.f('uq_people_email'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_slack_user_id'), ['slack_user_id'], unique=False)

    op.create_table('program_settings',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_program_settings'))
    )
    op.create_table('activities',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('contact', sa.String(length=320), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_activities_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('partner_id', 'occurred_at', 'kind', 'contact', name=op.f('pk_activities')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('attribution', sa.String(length=20), nullable=False),
    sa.Column('account', sa.String(length=300), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('amount_base_minor', sa.BigInteger(), nullable=True),
    sa.Column('stage', sa.String(length=100), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(attribution = 'direct') = (partner_id IS NULL)", name=op.f('ck_deals_partner_iff_partner_attribution')),
    sa.CheckConstraint("attribution IN ('sourced', 'influenced', 'direct')", name=op.f('ck_deals_attribution')),
    sa.CheckConstraint("outcome IN ('open', 'won', 'lost')", name=op.f('ck_deals_outcome')),
    sa.CheckConstraint('amount_minor IS NULL OR amount_minor >= 0', name=op.f('ck_deals_amount_not_negative')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_deals_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals')),
    sa.UniqueConstraint('external_id', name=op.f('uq_deals_external_id'))
    )
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index('ix_deals_closed', ['closed_on', 'outcome', 'attribution', 'partner_id', 'amount_base_minor', 'created_on'], unique=False)
        batch_op.create_index('ix_deals_outcome_created', ['outcome', 'created_on'], unique=False)
        batch_op.create_index('ix_deals_partner_closed', ['partner_id', 'closed_on'], unique=False)
        batch_op.create_index('ix_deals_partner_registered', ['partner_id', 'registered_on'], unique=False)

    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.CheckConstraint("metric IN ('registered_deals', 'sourced_pipeline', 'sourced_revenue', 'first_win_by')", name=op.f('ck_goals_metric')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_goals_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals')),
    sa.UniqueConstraint('partner_id', 'metric', 'period', name=op.f('uq_goals_partner_id_metric_period'))
    )
    op.create_table('intros',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=300), nullable=True),
    sa.Column('introduced_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('seller_email', sa.String(length=320), nullable=True),
    sa.Column('first_response_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_step_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=100), nullable=True),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_intros_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intros')),
    sa.UniqueConstraint('external_id', name=op.f('uq_intros_external_id'))
    )
    with op.batch_alter_table('intros', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intros_first_response_at'), ['first_response_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_intros_introduced_at'), ['introduced_at'], unique=False)
        batch_op.create_index('ix_intros_partner_introduced', ['partner_id', 'introduced_at'], unique=False)

    op.create_table('partner_milestones',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=80), nullable=False),
    sa.Column('reached_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_milestones_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'step', name=op.f('pk_partner_milestones'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('respondent', sa.String(length=320), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint('score >= 0 AND score <= 10', name=op.f('ck_surveys_score_range')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_surveys_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('partner_id', 'responded_on', 'respondent', name=op.f('uq_surveys_partner_id_responded_on_respondent'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_responded_on'), ['responded_on'], unique=False)

    op.create_table('stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=100), nullable=False),
    sa.Column('entered_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.Integer(), server_default='1', nullable=False),
    sa.Column('left_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stay_tenths', sa.Integer(), nullable=True),
    sa.Column('terminal', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('first_entry', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('advanced_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('is_partner', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_stage_changes_deal_id_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_changes')),
    sa.UniqueConstraint('deal_id', 'stage', 'entered_at', name=op.f('uq_stage_changes_deal_id_stage_entered_at'))
    )
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_stage_changes_entered', ['entered_at', 'first_entry', 'stage', 'is_partner'], unique=False)
        batch_op.create_index('ix_stage_changes_left', ['left_at', 'terminal', 'stage', 'is_partner', 'stay_tenths'], unique=False)
        batch_op.create_index('ix_stage_changes_partner_entered', ['partner_id', 'entered_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_changes_partner_entered')
        batch_op.drop_index('ix_stage_changes_left')
        batch_op.drop_index('ix_stage_changes_entered')

    op.drop_table('stage_changes')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_responded_on'))

    op.drop_table('surveys')
    op.drop_table('partner_milestones')
    with op.batch_alter_table('intros', schema=None) as batch_op:
        batch_op.drop_index('ix_intros_partner_introduced')
        batch_op.drop_index(batch_op.f('ix_intros_introduced_at'))
        batch_op.drop_index(batch_op.f('ix_intros_first_response_at'))

    op.drop_table('intros')
    op.drop_table('goals')
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_partner_registered')
        batch_op.drop_index('ix_deals_partner_closed')
        batch_op.drop_index('ix_deals_outcome_created')
        batch_op.drop_index('ix_deals_closed')

    op.drop_table('deals')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_occurred_at'))

    op.drop_table('activities')
    op.drop_table('program_settings')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_slack_user_id'))

    op.drop_table('people')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_owner_email'))
        batch_op.drop_index(batch_op.f('ix_partners_onboarded_on'))

    op.drop_table('partners')
    op.drop_table('import_runs')
