"""CAE profiles: the reviewed profile of each CAE (caes/<slug>.yml) kept beside it.

Revision ID: 0011_cae_profiles
Revises: 0010_booking_links
Create Date: 2026-12-03 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_cae_profiles'
down_revision = '0010_booking_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cae', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cae', schema=None) as batch_op:
        batch_op.drop_column('profile')
