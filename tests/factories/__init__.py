"""Factories: rows with sensible defaults, written as the application role inside the tenant's
transaction (RLS applies), through the product's services where one creates the row.

Every factory takes the tenant's slug first and returns the saved row (``.id``). Called with no
transaction open it commits its row before returning (an HTTP call of the test then sees it); inside
``async with acting_in(slug):`` several factories share one transaction. Rows are not removed by the
factories: the fixture or test that makes them removes them (owner connection), so the next test
starts from the state ``tests/conftest.py`` set up (tenants synced, demo accounts).

| factory | writes | through |
|---|---|---|
| ``user``, ``member``, ``membership``, ``user_id`` | ``pz_user``, ``membership`` | ``User.save`` (as ``accept_invitation``), ``add_membership`` |
| ``park``, ``enterprise``, ``enterprises``, ``warehouse``, ``talent``, ``negative_entry`` | registry tables | Piccolo insert |
| ``document`` | ``document`` + the S3 object | ``documents.services.store_bytes`` |
| ``submission``, ``status_change``, ``notice``, ``objection`` | the engine's tables (``workflow.tables``) | Piccolo insert |
| ``scheme`` (lookup), ``application`` (submission + its part), ``certificate`` | certification tables | Piccolo insert |
| ``program``, ``funding_round``, ``synced_round`` (lookup), ``funding_application(s)``, ``calculation``, ``calculation_result``, ``ledger_entry``, ``payment`` | funding tables | Piccolo insert |
| ``api_client`` | ``api_client`` (returns the row and its secret) | ``pilotzone.api.clients.create`` |
| ``job_runs`` | ``job_run`` (recorded, never sent) | Piccolo insert |
| ``trade_return`` | ``submission`` (kind ``trade_return``) + ``trade_return`` + its lines | Piccolo insert |
| ``trade_figures`` | ``trade_batch``, ``trade_figure`` | ``trade.figures.check_rows`` + ``trade.store.write`` |
| ``official_import`` | ``trade_batch`` + ``trade_figure`` (an official file) | ``trade.imports.import_file`` |
"""

from tests.factories.api import api_client
from tests.factories.base import acting_in, new_resident_id, new_uscc, tenant_id, unique
from tests.factories.certification import application, certificate, scheme
from tests.factories.documents import document
from tests.factories.funding import (
    calculation,
    calculation_result,
    funding_application,
    funding_applications,
    funding_round,
    ledger_entry,
    payment,
    program,
    synced_round,
)
from tests.factories.jobs import job_runs
from tests.factories.people import member, membership, user, user_id
from tests.factories.registry import enterprise, enterprises, negative_entry, park, talent, warehouse
from tests.factories.returns import trade_return
from tests.factories.trade_figures import trade_figures
from tests.factories.trade_import import official_import
from tests.factories.workflow import notice, objection, status_change, submission

__all__ = [
    "acting_in",
    "api_client",
    "application",
    "calculation",
    "calculation_result",
    "certificate",
    "document",
    "enterprise",
    "enterprises",
    "funding_application",
    "funding_applications",
    "funding_round",
    "job_runs",
    "ledger_entry",
    "member",
    "membership",
    "negative_entry",
    "notice",
    "new_resident_id",
    "new_uscc",
    "objection",
    "official_import",
    "park",
    "payment",
    "program",
    "scheme",
    "status_change",
    "submission",
    "synced_round",
    "talent",
    "trade_figures",
    "tenant_id",
    "trade_return",
    "unique",
    "user",
    "user_id",
    "warehouse",
]
