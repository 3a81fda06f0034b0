"""notices passed down to groups (通知N) and each unit's acknowledgement (回执)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'circular',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('sent_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sent_by_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('origin_room', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('source_message_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_message_id'),
    )
    with op.batch_alter_table('circular') as batch_op:
        batch_op.create_index(batch_op.f('ix_circular_until'), ['until'], unique=False)
    op.create_table(
        'acknowledgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('circular_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('words', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['circular_id'], ['circular.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('circular_id', 'unit_id', name='uq_ack_circular_unit'),
    )
    with op.batch_alter_table('acknowledgement') as batch_op:
        batch_op.create_index(batch_op.f('ix_acknowledgement_circular_id'), ['circular_id'], unique=False)


def downgrade() -> None:
    op.drop_table('acknowledgement')
    op.drop_table('circular')
