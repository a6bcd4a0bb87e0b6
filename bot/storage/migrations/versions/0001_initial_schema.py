"""Initial schema: CAEs, places, information sessions, people, bookings.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 02:39:53.570236
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cae',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cae')),
    sa.UniqueConstraint('slug', name=op.f('uq_cae_slug'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('email', name=op.f('uq_person_email'))
    )
    op.create_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cae_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('departement', sa.String(length=3), nullable=True),
    sa.Column('is_video', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint('is_video OR (address IS NOT NULL AND city IS NOT NULL)', name=op.f('ck_place_where')),
    sa.ForeignKeyConstraint(['cae_id'], ['cae.id'], name=op.f('fk_place_cae_id_cae'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    op.create_index(op.f('ix_place_cae_id'), 'place', ['cae_id'], unique=False)
    op.create_index(op.f('ix_place_departement'), 'place', ['departement'], unique=False)

    op.create_table('info_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cae_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='planned', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'cancelled', 'closed')", name=op.f('ck_info_session_status')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_info_session_capacity')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_info_session_dates')),
    sa.CheckConstraint('place_id IS NOT NULL OR video_url IS NOT NULL', name=op.f('ck_info_session_where')),
    sa.ForeignKeyConstraint(['cae_id'], ['cae.id'], name=op.f('fk_info_session_cae_id_cae'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_info_session_place_id_place'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_session'))
    )
    op.create_index(op.f('ix_info_session_cae_id'), 'info_session', ['cae_id'], unique=False)
    op.create_index(op.f('ix_info_session_place_id'), 'info_session', ['place_id'], unique=False)
    op.create_index('ix_info_session_status_starts_at', 'info_session', ['status', 'starts_at'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sequence', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint("status IN ('registered', 'waitlisted', 'cancelled', 'attended', 'absent', 'excused')", name=op.f('ck_booking_status')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_booking_person_id_person'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['info_session.id'], name=op.f('fk_booking_session_id_info_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('reference', name=op.f('uq_booking_reference'))
    )
    op.create_index(op.f('ix_booking_person_id'), 'booking', ['person_id'], unique=False)
    op.create_index('ix_booking_session_id_status', 'booking', ['session_id', 'status'], unique=False)
    op.create_index('uq_booking_person_session_active', 'booking', ['person_id', 'session_id'], unique=True, sqlite_where=sa.text("status IN ('registered', 'waitlisted', 'attended', 'absent', 'excused')"), postgresql_where=sa.text("status IN ('registered', 'waitlisted', 'attended', 'absent', 'excused')"))



def downgrade() -> None:
    op.drop_index('uq_booking_person_session_active', table_name='booking')
    op.drop_index('ix_booking_session_id_status', table_name='booking')
    op.drop_index(op.f('ix_booking_person_id'), table_name='booking')

    op.drop_table('booking')
    op.drop_index('ix_info_session_status_starts_at', table_name='info_session')
    op.drop_index(op.f('ix_info_session_place_id'), table_name='info_session')
    op.drop_index(op.f('ix_info_session_cae_id'), table_name='info_session')

    op.drop_table('info_session')
    op.drop_index(op.f('ix_place_departement'), table_name='place')
    op.drop_index(op.f('ix_place_cae_id'), table_name='place')

    op.drop_table('place')
    op.drop_table('person')
    op.drop_table('cae')
