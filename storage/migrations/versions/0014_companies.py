"""property companies (物业公司) and the company managing each unit

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'company',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('contact_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    with op.batch_alter_table('unit') as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_unit_company', 'company', ['company_id'], ['id'])
    # a notice to the companies is acknowledged by a company's contact, not a unit
    with op.batch_alter_table('acknowledgement') as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_ack_company', 'company', ['company_id'], ['id'])
        batch_op.create_unique_constraint('uq_ack_circular_company', ['circular_id', 'company_id'])


def downgrade() -> None:
    with op.batch_alter_table('acknowledgement') as batch_op:
        batch_op.drop_constraint('uq_ack_circular_company', type_='unique')
        batch_op.drop_constraint('fk_ack_company', type_='foreignkey')
        batch_op.drop_column('company_id')
    with op.batch_alter_table('unit') as batch_op:
        batch_op.drop_constraint('fk_unit_company', type_='foreignkey')
        batch_op.drop_column('company_id')
    op.drop_table('company')
