"""Coaches' notes on a person's file.

Revision ID: 0016_person_notes
Revises: 0014_handoff_context
Create Date: 2026-12-03 22:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_person_notes'
down_revision = '0014_handoff_context'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('person_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_note_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_note_person_id'))
    op.drop_table('person_note')
