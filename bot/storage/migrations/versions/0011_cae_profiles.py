"""CAE profiles: the reviewed profile of each CAE (caes/<slug>.yml) kept beside it,
the hash of the file last copied, and the audit of every change.

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
        batch_op.add_column(sa.Column('profile_file_hash', sa.String(length=64), nullable=True))
    op.create_table(
        'cae_profile_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cae_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('coach_email', sa.String(length=254), nullable=True),
        sa.Column('fields', sa.String(length=500), nullable=False),
        sa.Column('before', sa.Text(), nullable=True),
        sa.Column('after', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cae_id'], ['cae.id'], name=op.f('fk_cae_profile_change_cae_id_cae'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], name=op.f('fk_cae_profile_change_coach_id_coach'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cae_profile_change')),
    )
    with op.batch_alter_table('cae_profile_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cae_profile_change_cae_id'), ['cae_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cae_profile_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cae_profile_change_cae_id'))
    op.drop_table('cae_profile_change')
    with op.batch_alter_table('cae', schema=None) as batch_op:
        batch_op.drop_column('profile_file_hash')
        batch_op.drop_column('profile')
