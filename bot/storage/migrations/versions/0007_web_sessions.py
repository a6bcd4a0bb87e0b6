"""Server-side dashboard sessions (coach_session).

Revision ID: 0007_web_sessions
Revises: 0006_identity_hardening
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_web_sessions'
down_revision = '0006_identity_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coach_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], name=op.f('fk_coach_session_coach_id_coach'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coach_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_coach_session_token_hash'))
    )
    with op.batch_alter_table('coach_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coach_session_coach_id'), ['coach_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coach_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coach_session_coach_id'))
    op.drop_table('coach_session')
