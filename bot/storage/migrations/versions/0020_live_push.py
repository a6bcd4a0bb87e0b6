"""Live takeover: where a Telegram or WhatsApp conversation can be written to first (sealed).

Revision ID: 0020_live_push
Revises: 0017_live_takeover
Create Date: 2026-12-04 00:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_live_push'
down_revision = '0017_live_takeover'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channel_address',
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('sealed', sa.String(length=1000), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_channel_address')),
    )
    op.create_index(op.f('ix_channel_address_seen_at'), 'channel_address', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_channel_address_seen_at'), table_name='channel_address')
    op.drop_table('channel_address')
