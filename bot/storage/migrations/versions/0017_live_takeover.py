"""Live takeover: the conversations a coach holds and the messages waiting for the person.

Revision ID: 0017_live_takeover
Revises: 0016_person_notes
Create Date: 2026-12-03 22:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_live_takeover'
down_revision = '0016_person_notes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'takeover',
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('coach_name', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], name=op.f('fk_takeover_coach_id_coach'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_takeover')),
    )
    op.create_index(op.f('ix_takeover_coach_id'), 'takeover', ['coach_id'], unique=False)
    op.create_table(
        'takeover_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('text', sa.String(length=4000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_takeover_message')),
    )
    op.create_index(op.f('ix_takeover_message_conversation_id'), 'takeover_message',
                    ['conversation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_takeover_message_conversation_id'), table_name='takeover_message')
    op.drop_table('takeover_message')
    op.drop_index(op.f('ix_takeover_coach_id'), table_name='takeover')
    op.drop_table('takeover')
