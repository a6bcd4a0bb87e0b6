"""Session series, messages to a session's people, the reminder of the day (video).

Revision ID: 0012_session_series
Revises: 0011_cae_profiles
Create Date: 2026-12-04 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_session_series'
down_revision = '0011_cae_profiles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cae_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cae_id'], ['cae.id'], name=op.f('fk_session_series_cae_id_cae'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['coach.id'], name=op.f('fk_session_series_created_by_coach'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_series'))
    )
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_series_cae_id'), ['cae_id'], unique=False)
    op.create_table('session_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=5000), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], name=op.f('fk_session_message_coach_id_coach'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['info_session.id'], name=op.f('fk_session_message_session_id_info_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_message'))
    )
    with op.batch_alter_table('session_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_message_session_id'), ['session_id'], unique=False)
    op.create_table('session_series_member',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_session_series_member_series_id_session_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['info_session.id'], name=op.f('fk_session_series_member_session_id_info_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_series_member'))
    )
    with op.batch_alter_table('session_series_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_series_member_series_id'), ['series_id'], unique=False)
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('same_day_reminder_sent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('same_day_reminder_sent_at')
    with op.batch_alter_table('session_series_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_series_member_series_id'))
    op.drop_table('session_series_member')
    with op.batch_alter_table('session_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_message_session_id'))
    op.drop_table('session_message')
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_series_cae_id'))
    op.drop_table('session_series')
