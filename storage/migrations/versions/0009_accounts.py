"""several WeChat accounts: room presence and ownership, ownership changes, content de-duplication

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch_op:
        batch_op.add_column(sa.Column('reply_to', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table('roompresence',
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('room_id', 'account'))
    op.create_table('roomowner',
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('home', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('pinned', sa.Boolean(), nullable=False),
        sa.Column('since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('room_id'))
    op.create_table('ownershipchange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('from_account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('to_account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_ownershipchange_room_id', 'ownershipchange', ['room_id'])
    op.create_table('seencontent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sender_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_seencontent_key', 'seencontent', ['room_id', 'sender_id', 'digest', 'at'])


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch_op:
        batch_op.drop_column('reply_to')
    op.drop_index('ix_seencontent_key', table_name='seencontent')
    op.drop_table('seencontent')
    op.drop_index('ix_ownershipchange_room_id', table_name='ownershipchange')
    op.drop_table('ownershipchange')
    op.drop_table('roomowner')
    op.drop_table('roompresence')
