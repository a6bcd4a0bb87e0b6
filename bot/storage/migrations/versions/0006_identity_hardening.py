"""Identity hardening: a person record per chat conversation (the e-mail is no
longer unique), export-link nonces; links granted by the old e-mail matching go.

Revision ID: 0006_identity_hardening
Revises: 0004_conversation_cae
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_identity_hardening'
down_revision = '0004_conversation_cae'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_conversation', sa.String(length=255), nullable=True))
        batch_op.drop_constraint('uq_person_email', type_='unique')
        batch_op.create_index(batch_op.f('ix_person_email'), ['email'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_person_origin_conversation_email'),
                                          ['origin_conversation', 'email'])
    op.create_index('uq_person_email_direct', 'person', ['email'], unique=True,
                    sqlite_where=sa.text('origin_conversation IS NULL'),
                    postgresql_where=sa.text('origin_conversation IS NULL'))
    op.create_table('export_key',
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_export_key'))
    )
    # "Booking" links were made by matching the typed e-mail to any record, which
    # let someone else's conversation reach it: they prove nothing and go. People
    # reach their earlier records with the e-mailed code.
    op.execute("DELETE FROM conversation_link WHERE method = 'booking'")


def downgrade() -> None:
    op.drop_table('export_key')
    op.drop_index('uq_person_email_direct', table_name='person')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_person_origin_conversation_email'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_person_email'))
        batch_op.create_unique_constraint('uq_person_email', ['email'])
        batch_op.drop_column('origin_conversation')
