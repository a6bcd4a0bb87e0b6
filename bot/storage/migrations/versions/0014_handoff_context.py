"""Handoff requests carry what the assistant understood (topic, project, booking…).

Revision ID: 0014_handoff_context
Revises: 0012_session_series
Create Date: 2026-12-03 21:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_handoff_context'
down_revision = '0012_session_series'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handoff_request', schema=None) as batch_op:
        batch_op.drop_column('context')
