"""Search and saved filters: the coaches' saved filters of the conversation list,
the conversations' search index, and folded search columns on people and handoff
requests (filled here from the existing rows).

Revision ID: 0019_saved_filters
Revises: 0017_live_takeover
Create Date: 2026-12-04 00:40:00
"""
from alembic import op
import sqlalchemy as sa

from bot.storage.models import person_search_text, request_search_text

revision = '0019_saved_filters'
down_revision = '0020_live_push'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        'saved_filter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coach.id'], name=op.f('fk_saved_filter_coach_id_coach'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter')),
        sa.UniqueConstraint('coach_id', 'name', name=op.f('uq_saved_filter_coach_id_name')),
    )
    op.create_index(op.f('ix_saved_filter_coach_id'), 'saved_filter', ['coach_id'], unique=False)
    op.create_table(
        'conversation_search',
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('texts', sa.Text(), nullable=False),
        sa.Column('tags', sa.String(length=500), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_search')),
    )
    op.create_index(op.f('ix_conversation_search_last_event_id'), 'conversation_search', ['last_event_id'],
                    unique=False)
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('handoff_request') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    _backfill()


def _backfill() -> None:
    """The folded columns of the rows already there, and the review tags (the
    conversations' texts are indexed from the tracker store on the first search)."""
    connection = op.get_bind()
    meta = sa.MetaData()
    person = sa.Table('person', meta, sa.Column('id', sa.Integer), sa.Column('first_name', sa.String),
                      sa.Column('last_name', sa.String), sa.Column('email', sa.String),
                      sa.Column('search_text', sa.Text))
    request = sa.Table('handoff_request', meta, sa.Column('id', sa.Integer), sa.Column('reason', sa.String),
                       sa.Column('context', sa.Text), sa.Column('name', sa.String),
                       sa.Column('search_text', sa.Text))
    review = sa.Table('conversation_review', meta, sa.Column('conversation_id', sa.String),
                      sa.Column('tags', sa.String))
    index = sa.Table('conversation_search', meta, sa.Column('conversation_id', sa.String),
                     sa.Column('texts', sa.Text), sa.Column('tags', sa.String),
                     sa.Column('last_event_id', sa.Integer))
    rows = connection.execute(sa.select(person.c.id, person.c.first_name, person.c.last_name,
                                        person.c.email)).all()
    values = [{'pid': i, 'text': person_search_text(f, l, e)} for i, f, l, e in rows]
    _update(connection, person, values)
    rows = connection.execute(sa.select(request.c.id, request.c.reason, request.c.context,
                                        request.c.name)).all()
    values = [{'pid': i, 'text': request_search_text(r, c, n)} for i, r, c, n in rows]
    _update(connection, request, values)
    from bot.text import fold
    tags = [{'conversation_id': cid, 'texts': '', 'tags': fold(t or ''), 'last_event_id': 0}
            for cid, t in connection.execute(sa.select(review.c.conversation_id, review.c.tags))]
    for start in range(0, len(tags), BATCH):
        connection.execute(index.insert(), tags[start:start + BATCH])


def _update(connection, table, values) -> None:
    statement = (table.update().where(table.c.id == sa.bindparam('pid'))
                 .values(search_text=sa.bindparam('text')))
    for start in range(0, len(values), BATCH):
        if values[start:start + BATCH]:
            connection.execute(statement, values[start:start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table('handoff_request') as batch:
        batch.drop_column('search_text')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('search_text')
    op.drop_index(op.f('ix_conversation_search_last_event_id'), table_name='conversation_search')
    op.drop_table('conversation_search')
    op.drop_index(op.f('ix_saved_filter_coach_id'), table_name='saved_filter')
    op.drop_table('saved_filter')
