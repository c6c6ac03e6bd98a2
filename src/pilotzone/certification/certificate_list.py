"""The filter of the certificate list (``workflow.filters``): state as it stands now, scheme, district,
issued between, number, holder's name or credit code, "expiring soon"; 20 a page, newest first. It
chooses the page's certificate ids; ``certificates.certificates`` reads those rows as before."""

from __future__ import annotations

from datetime import UTC, datetime

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.certification.tables import Scheme
from pilotzone.codes import Coded
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.web.render import Page, page_of
from pilotzone.workflow import filters

REMINDER_DAYS = 60  # SchemeSpec.renewal_reminder_days when a stored spec has none


class CertificateState(Coded):
    """A certificate as it stands now (``certificates.state_of``: an unswept end is expired)."""

    VALID = "valid", "有效", "Valid"
    EXPIRED = "expired", "已过期", "Expired"
    RENEWED = "renewed", "已换发", "Renewed"
    REVOKED = "revoked", "已撤销", "Revoked"


def state_sql(now: str) -> str:
    """``certificates.state_of`` in SQL (``now``: the placeholder of the moment)."""
    return (
        "CASE WHEN c.status IN ('revoked', 'renewed', 'expired') THEN c.status "
        f"WHEN c.valid_until <= {now} THEN 'expired' ELSE 'valid' END"
    )
_FROM = """
  FROM certificate c
  JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE {where}"""


async def choices() -> filters.Choices:
    schemes = await Scheme.select(Scheme.key, Scheme.name_zh, Scheme.name_en).order_by(Scheme.id)
    return filters.Choices(
        states=[(s.value, label(s)) for s in CertificateState],
        kinds=[(r["key"], pick(r["name_zh"], r["name_en"])) for r in schemes],
        districts=filters.district_choices(),
        kind_label=_("Scheme"),
        decided=False,
        date_labels=(_("Issued from"), _("Issued until")),
    )


async def page_ids(
    principal: Principal, chosen: filters.Filters, expiring: bool = False
) -> tuple[Page, list[int]]:
    """The page of certificate ids ``principal`` may see that match ``chosen`` (``expiring``: valid and
    within the scheme's reminder days of the end)."""
    sql = await filters.subjects(chosen, principal, number="c.number")
    now = datetime.now(UTC)
    if chosen.state:
        sql.add(f"{state_sql(sql.arg(now))} = {sql.arg(chosen.state)}")
    if chosen.kind:
        sql.add(f"sc.key = {sql.arg(chosen.kind)}")
    sql.between("c.issued_at", chosen.since, chosen.until)
    if expiring:
        at = sql.arg(now)
        sql.add(
            f"{state_sql(at)} = 'valid' AND c.valid_until <= {at} + make_interval(days => "
            f"COALESCE((a.spec ->> 'renewal_reminder_days')::int, {REMINDER_DAYS}))"
        )
    total = (await db.fetch("SELECT count(*)" + _FROM.format(where=sql.where), *sql.args))[0][0]
    page = page_of(chosen.page, filters.PAGE_SIZE, total)
    n = len(sql.args)
    rows = await db.fetch(
        "SELECT c.id" + _FROM.format(where=sql.where) + f" ORDER BY c.id DESC LIMIT ${n + 1} OFFSET ${n + 2}",
        *sql.args,
        page.size,
        page.offset,
    )
    return page, [r["id"] for r in rows]
