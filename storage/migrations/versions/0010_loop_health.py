"""a process's loops: what is wrong with them, and its WeChat login (QR code to scan), for `wxbot status`

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('botprocess') as batch_op:
        batch_op.add_column(sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('login_state', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('qr', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('botprocess') as batch_op:
        batch_op.drop_column('qr')
        batch_op.drop_column('login_state')
        batch_op.drop_column('problem')
