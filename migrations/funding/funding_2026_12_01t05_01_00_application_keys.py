from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T05:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "funding applications, calculations, results, ledger: keys by tenant first and money checks"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="funding", description=DESCRIPTION)

    async def constraints() -> None:
        for sql in (
            "CREATE INDEX funding_application_tenant_round ON funding_application (tenant_id, round, status, id)",
            "CREATE INDEX funding_application_tenant_enterprise"
            " ON funding_application (tenant_id, applicant_enterprise, id)",
            "CREATE INDEX funding_application_tenant_park ON funding_application (tenant_id, applicant_park, id)",
            "ALTER TABLE funding_application ADD CONSTRAINT funding_application_status_check CHECK (status IN"
            " ('draft', 'submitted', 'in_review', 'info_requested', 'verified', 'rejected', 'withdrawn'))",
            "CREATE INDEX funding_review_tenant_application ON funding_review (tenant_id, application, id)",
            "CREATE UNIQUE INDEX calculation_tenant_round_version ON calculation (tenant_id, round, version)",
            "ALTER TABLE calculation ADD CONSTRAINT calculation_status_check CHECK (status IN"
            " ('running', 'calculated', 'approved', 'superseded', 'failed'))",
            "ALTER TABLE calculation_result ADD CONSTRAINT calculation_result_tenant_calculation_application"
            " UNIQUE (tenant_id, calculation, application)",
            "ALTER TABLE calculation_result ADD CONSTRAINT calculation_result_money_check"
            " CHECK (claim >= 0 AND (award IS NULL OR (award >= 0 AND award <= claim)))",
            "CREATE UNIQUE INDEX ledger_entry_tenant_application ON ledger_entry (tenant_id, application)",
            "CREATE INDEX ledger_entry_tenant_program ON ledger_entry (tenant_id, program, round)",
            "ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_paid_check"
            " CHECK (awarded > 0 AND paid >= 0 AND paid <= awarded)",
            "CREATE UNIQUE INDEX payment_tenant_voucher ON payment (tenant_id, voucher)",
            "CREATE INDEX payment_tenant_entry ON payment (tenant_id, entry, id)",
            "ALTER TABLE payment ADD CONSTRAINT payment_amount_check CHECK (amount > 0)",
        ):
            await DB.run_ddl(sql)

    manager.add_raw(constraints)

    return manager
