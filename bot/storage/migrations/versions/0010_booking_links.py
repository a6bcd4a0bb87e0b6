"""Waiting-list offers: a freed seat is offered (held) until claimed, declined or expired.

Revision ID: 0010_booking_links
Revises: 0007_web_sessions
Create Date: 2026-12-03 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_booking_links'
down_revision = '0007_web_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('offer_expires_at')
        batch_op.drop_column('offered_at')
