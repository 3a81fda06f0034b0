"""outbox claims: category, priority, expiry, account, claimer, repeats; send slots; process heartbeats

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch_op:
        batch_op.add_column(sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='reply'))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='default'))
        batch_op.add_column(sa.Column('for_sender', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('repeats', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_outbox_account_status_priority', ['account', 'status', 'priority', 'due_at'])
        batch_op.create_index('ix_outbox_created', ['created_at'])
        batch_op.create_index('ix_outbox_sender_created', ['for_sender', 'created_at'])
        batch_op.create_index('ix_outbox_room_created', ['room_id', 'created_at'])
    with op.batch_alter_table('outboxmessage') as batch_op:  # defaults were for existing rows only
        for name in ('category', 'priority', 'account', 'repeats'):
            batch_op.alter_column(name, server_default=None)
    op.create_table('sendslot',
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('next_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('account'))
    op.create_table('botprocess',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('host', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('beat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('logged_in', sa.Boolean(), nullable=False),
        sa.Column('last_event_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name'))


def downgrade() -> None:
    op.drop_table('botprocess')
    op.drop_table('sendslot')
    with op.batch_alter_table('outboxmessage') as batch_op:
        batch_op.drop_index('ix_outbox_room_created')
        batch_op.drop_index('ix_outbox_sender_created')
        batch_op.drop_index('ix_outbox_created')
        batch_op.drop_index('ix_outbox_account_status_priority')
        for name in ('repeats', 'claimed_at', 'claimed_by', 'for_sender', 'account', 'expires_at', 'priority',
                     'category'):
            batch_op.drop_column(name)
