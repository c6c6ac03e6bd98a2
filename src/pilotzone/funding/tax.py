"""The deemed-profit income tax estimate (核定征收) for cross-border e-commerce export enterprises of
the shantou and foshan pilot zones: their policies apply 核定征收 with a taxable income rate (应税所得率)
of 4 %. The page computes taxable income = revenue × 4 % and the estimate = taxable income × 25 %
(the statutory enterprise income tax rate), each step shown, rounded half-up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pilotzone.auth.guards import allow, tenant
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render

TENANTS = frozenset({"shantou", "foshan"})  # the policies that describe 核定征收 at 4 %
TAXABLE_RATE = Decimal("0.04")
INCOME_TAX_RATE = Decimal("0.25")
FEN = Decimal("0.01")


def estimate(revenue: Decimal) -> dict:
    taxable = (revenue * TAXABLE_RATE).quantize(FEN, rounding=ROUND_HALF_UP)
    tax = (taxable * INCOME_TAX_RATE).quantize(FEN, rounding=ROUND_HALF_UP)
    return {
        "revenue": revenue.quantize(FEN, rounding=ROUND_HALF_UP),
        "taxable": taxable,
        "tax": tax,
        "steps": [
            (_("Taxable income = revenue × taxable income rate 4%"), f"{revenue} × 4% = {taxable}"),
            (_("Income tax = taxable income × 25%"), f"{taxable} × 25% = {tax}"),
        ],
    }


def parse_revenue(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 and value < Decimal("1e13") else None


class TaxEstimateController(Controller):
    path = "/z/{slug:str}/funding/tax-estimate"

    @get("/", name="tax_estimate", opt=allow(tenant("enterprise_user", "bureau_admin", "bureau_reviewer")))
    async def page(self, request: Request, slug: FromPath[str], revenue: FromQuery[str] = "") -> Template:
        if slug not in TENANTS:
            raise NotFoundException("no deemed-profit estimate in this pilot zone")
        result, error = None, None
        if revenue.strip():
            value = parse_revenue(revenue)
            if value is None:
                error = _("Enter the year's revenue in yuan (a number, 0 or more).")
            else:
                result = estimate(value)
        return render(
            request,
            "funding/tax.html",
            {"revenue": revenue, "result": result, "error": error},
            status_code=400 if error else 200,
        )
