"""Initial schema: summary jobs, inbox and outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 06:43:06.491760
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

_TS = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary().with_variant(sa.LargeBinary(length=16777215), 'mysql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sent_at'), ['sent_at'], unique=False)

    op.create_table('summary_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('book_id', sa.BigInteger(), nullable=False),
    sa.Column('pdf_key', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fetch_attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', _TS, nullable=False),
    sa.Column('lease_token', sa.String(length=36), nullable=True),
    sa.Column('lease_expires_at', _TS, nullable=True),
    sa.Column('correlation_id', sa.String(length=128), nullable=True),
    sa.Column('causation_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('started_at', _TS, nullable=True),
    sa.Column('finished_at', _TS, nullable=True),
    sa.Column('result_status', sa.String(length=16), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('description', sa.String(length=600), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=True),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_job'))
    )
    with op.batch_alter_table('summary_job', schema=None) as batch_op:
        batch_op.create_index('ix_summary_job_book', ['book_id', 'pdf_key'], unique=False)
        batch_op.create_index('ix_summary_job_pickup', ['status', 'available_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('summary_job', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_job_pickup')
        batch_op.drop_index('ix_summary_job_book')

    op.drop_table('summary_job')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_sent_at'))

    op.drop_table('outbox')
    op.drop_table('inbox')
