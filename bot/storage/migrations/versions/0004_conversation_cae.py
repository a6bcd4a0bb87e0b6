"""The CAE(s) of each conversation (coaches read only their CAE's conversations),
filled from the existing links, bookings, enrolments and handoff requests.

Revision ID: 0004_conversation_cae
Revises: 0003
Create Date: 2026-11-23 12:00:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0004_conversation_cae'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('conversation_cae',
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('cae_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cae_id'], ['cae.id'], name=op.f('fk_conversation_cae_cae_id_cae'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'cae_id', name=op.f('pk_conversation_cae'))
    )
    with op.batch_alter_table('conversation_cae', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_cae_cae_id'), ['cae_id'], unique=False)
    _backfill(table)


def _backfill(table) -> None:
    """Same rule as bot/conversation_cae.py, written against this revision's schema."""
    bind = op.get_bind()
    link = sa.table('conversation_link', sa.column('conversation_id'), sa.column('person_id'))
    booking = sa.table('booking', sa.column('person_id'), sa.column('session_id'))
    session = sa.table('info_session', sa.column('id'), sa.column('cae_id'))
    enrolment = sa.table('enrolment', sa.column('person_id'), sa.column('enrolled_by'))
    coach = sa.table('coach', sa.column('id'), sa.column('cae_id'))
    handoff = sa.table('handoff_request', sa.column('conversation_id'), sa.column('cae_id'))
    queries = (
        ('booking', sa.select(link.c.conversation_id, session.c.cae_id)
         .select_from(link.join(booking, booking.c.person_id == link.c.person_id)
                      .join(session, session.c.id == booking.c.session_id))),
        ('enrolment', sa.select(link.c.conversation_id, coach.c.cae_id)
         .select_from(link.join(enrolment, enrolment.c.person_id == link.c.person_id)
                      .join(coach, coach.c.id == enrolment.c.enrolled_by))
         .where(coach.c.cae_id.is_not(None))),
        ('handoff', sa.select(handoff.c.conversation_id, handoff.c.cae_id)
         .where(handoff.c.conversation_id.is_not(None), handoff.c.cae_id.is_not(None))),
    )
    wanted = {}
    for source, query in queries:
        for conversation_id, cae_id in bind.execute(query.distinct()):
            wanted.setdefault((conversation_id, cae_id), source)
    now = datetime.now(timezone.utc)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it there
    if wanted:
        op.bulk_insert(table, [{'conversation_id': c, 'cae_id': cae, 'source': source, 'updated_at': now}
                               for (c, cae), source in wanted.items()])


def downgrade() -> None:
    with op.batch_alter_table('conversation_cae', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_cae_cae_id'))

    op.drop_table('conversation_cae')
