"""The list of certification applications with its filter (``workflow.filters``): state, scheme,
district, submitted / decided between, number, name or credit code; 20 a page, newest first."""

from __future__ import annotations

from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, status_label
from pilotzone.certification.tables import Scheme
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.web.render import Page
from pilotzone.workflow import filters
from pilotzone.workflow.states import CertificationState

# the states a decision leaves an application in ("decided between" reads when it entered them)
DECIDED = (
    CertificationState.REJECTED,
    CertificationState.APPROVED,
    CertificationState.NOTICE,
    CertificationState.OBJECTED,
    CertificationState.CERTIFIED,
)

_FROM = """
  FROM submission s
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE {where}"""
_PAGE = """
SELECT s.id, s.subject_kind, s.subject_label, s.status, s.updated_at, s.submitted_at, s.district_code,
       sc.name_zh, sc.name_en,
       (SELECT n.notice_until FROM notice n WHERE n.kind = 'certification' AND n.submission = s.id
           AND n.tenant_id = s.tenant_id) AS notice_until
""" + _FROM + " ORDER BY s.id DESC LIMIT {limit} OFFSET {offset}"  # noqa: S608 - placeholders only


async def choices() -> filters.Choices:
    """The options of the filter: every state, the tenant's schemes, its districts."""
    schemes = await Scheme.select(Scheme.key, Scheme.name_zh, Scheme.name_en).order_by(Scheme.id)
    return filters.Choices(
        states=[(s.value, label(s)) for s in CertificationState],
        kinds=[(r["key"], pick(r["name_zh"], r["name_en"])) for r in schemes],
        districts=filters.district_choices(),
        kind_label=_("Scheme"),
    )


async def list_applications(principal: Principal, chosen: filters.Filters) -> tuple[Page, list[dict]]:
    """One page of the applications ``principal`` may list that match ``chosen``."""
    sql = await filters.where(chosen, principal, KIND.value, tuple(s.value for s in DECIDED))
    if chosen.kind:
        sql.add(f"sc.key = {sql.arg(chosen.kind)}")
    page, rows = await filters.page_rows(sql, chosen, _FROM, _PAGE)
    for row in rows:
        row["scheme_name"] = pick(row["name_zh"], row["name_en"])
        row["status_label"] = status_label(row["status"], row["notice_until"])
    return page, rows
