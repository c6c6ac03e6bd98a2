"""Round pages: the verification queue, a round with its calculations (progress widget, results,
differences from the previous calculation), four-eyes approval, the ledger with payments, exports."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, REVIEWERS, allow, tenant
from pilotzone.auth.principal import current_principal
from pilotzone.funding import calculation, exports, ledger, reviews
from pilotzone.funding.application_list import program_choices
from pilotzone.funding.applications import FundingError, version_spec
from pilotzone.funding.explain import formula_lines, words
from pilotzone.funding.program_spec import from_stored
from pilotzone.funding.tables import Program, Round
from pilotzone.jobs.services import get_run
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import get_locale
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import page_of, render
from pilotzone.web.urls import url_for
from pilotzone.workflow import filters

BUREAU = tenant("bureau_admin", "bureau_reviewer")


async def _round(round_id: int) -> Round:
    rnd = await Round.objects().where(Round.id == round_id).first()
    if rnd is None:
        raise NotFoundException("round not found")
    return rnd


PER_PAGE = 50


async def _context(rnd: Round, errors: dict | None = None, request: Request | None = None) -> dict:
    calcs = await calculation.calculations_of(rnd.id)
    latest = calcs[0] if calcs else None
    run = await get_run(latest["job_run"]) if latest and latest["job_run"] else None
    if run is not None and run.status in ("done", "failed"):
        # the run may have finished after the round and its calculations were read (each statement
        # sees what is committed when it starts): the page stops polling, so it shows what the run left
        rnd = await _round(rnd.id)
        calcs = await calculation.calculations_of(rnd.id)
        latest = calcs[0] if calcs else None
    previous, diff = await calculation.differences(latest) if latest else (None, [])
    params = request.query_params if request is not None else {}
    q = str(params.get("q", ""))[:100]
    show = str(params.get("show", ""))
    show = show if show in calculation.RESULT_FILTERS else ""
    try:
        number = int(params.get("page", 1))
    except ValueError:
        number = 1
    total = await calculation.count_results(latest["id"], q, show) if latest else 0
    page = page_of(number, PER_PAGE, total)
    awaiting = latest is not None and latest["status"] == "calculated"
    program = await Program.objects().where(Program.id == rnd.program).first()
    results = await calculation.results_page(latest["id"], q, show, page.size, page.offset) if latest else []
    spec = (
        await version_spec(program.current_version)
        if program and program.current_version
        else from_stored(None)
    )
    for row in results:  # staff: the steps in words, the formula beside them
        row["words"] = words(row["explanation"], spec, get_locale())
        row["lines"] = formula_lines(row["explanation"], get_locale())
    return {
        "approvers": await ledger.approvers(latest) if awaiting and latest is not None else [],
        "q": q,
        "show": show,
        "page": page,
        "live": run is not None and run.status not in ("done", "failed"),
        "round": rnd,
        "program": program,
        "calculations": calcs,
        "latest": latest,
        "previous": previous,
        "diff": diff,
        "run": run,
        "results": results,
        "ledger": await ledger.ledger_of(rnd.id),
        "balance": await ledger.balance(rnd.program),
        "errors": errors or {},
    }


class FundingRoundController(Controller):
    path = "/z/{slug:str}/funding"

    @get("/reviews", name="funding_reviews", opt=allow(REVIEWERS), dependencies={"listing": filters.LISTING})
    async def queue(self, request: Request, listing: filters.Listing) -> Template:
        programs, rounds = await program_choices()
        offered = filters.Choices(
            kinds=programs,
            rounds=rounds,
            districts=filters.district_choices(),
            kind_label=_("Program"),
            dates=False,
            decided=False,
        )
        chosen, errors = filters.parse(listing, offered)
        context = {
            "rows": await reviews.queue(current_principal(), chosen),
            **filters.filter_context(listing, offered, chosen, errors),
        }
        return render(
            request,
            "funding/reviews.html",
            context,
            partial="funding/partials/review_queue.html",
            status_code=filters.filter_status(request, errors),
        )

    @get("/rounds/{round_id:int}", name="funding_round", opt=allow(BUREAU))
    async def detail(self, request: Request, round_id: FromPath[int]) -> Template:
        """The round; an HTMX request (the progress poll, the pager, the filter) gets its live part."""
        context = await _context(await _round(round_id), request=request)
        return render(request, "funding/round.html", context, partial="funding/partials/round_live.html")

    @get("/programs/{program_id:int}/balance", name="funding_balance", opt=allow(MEMBERS))
    async def balance(self, request: Request, program_id: FromPath[int]) -> Template:
        program = await Program.objects().where(Program.id == program_id).first()
        if program is None:
            raise NotFoundException("program not found")
        return render(
            request,
            "funding/partials/balance.html",
            {"program": program, "balance": await ledger.balance(program_id)},
        )

    async def _act(self, request: Request, slug: str, round_id: int, action) -> Redirect | Template:
        rnd = await _round(round_id)
        try:
            await action(rnd)
        except FundingError as exc:
            return render(
                request,
                "funding/round.html",
                await _context(rnd, {exc.field: exc.message}),
                status_code=exc.status,
            )
        return Redirect(path=url_for(request, "funding_round", slug=slug, round_id=round_id), status_code=303)

    @post(
        "/rounds/{round_id:int}/close", name="funding_round_close", opt=allow(BUREAU_ADMIN), status_code=303
    )
    async def close(
        self, request: Request, slug: FromPath[str], round_id: FromPath[int]
    ) -> Redirect | Template:
        return await self._act(
            request, slug, round_id, lambda rnd: calculation.close_round(current_principal(), rnd)
        )

    @post(
        "/rounds/{round_id:int}/calculate",
        name="funding_round_calculate",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def calculate(
        self, request: Request, slug: FromPath[str], round_id: FromPath[int]
    ) -> Redirect | Template:
        return await self._act(
            request, slug, round_id, lambda rnd: calculation.start_calculation(current_principal(), rnd.id)
        )

    @post(
        "/rounds/{round_id:int}/calculations/{calculation_id:int}/approve",
        name="funding_calculation_approve",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def approve(
        self, request: Request, slug: FromPath[str], round_id: FromPath[int], calculation_id: FromPath[int]
    ) -> Redirect | Template:
        return await self._act(
            request, slug, round_id, lambda rnd: ledger.approve(current_principal(), calculation_id)
        )

    @post(
        "/rounds/{round_id:int}/ledger/{ledger_id:int}/payments",
        name="funding_payment",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def payment(
        self,
        request: Request,
        slug: FromPath[str],
        round_id: FromPath[int],
        ledger_id: FromPath[int],
        data: Annotated[ledger.PaymentForm, URL_ENCODED],
    ) -> Redirect | Template:
        return await self._act(
            request, slug, round_id, lambda rnd: ledger.record_payment(current_principal(), ledger_id, data)
        )

    @get(
        "/rounds/{round_id:int}/calculations/{calculation_id:int}/results.csv",
        name="funding_results_csv",
        opt=allow(BUREAU),
    )
    async def export_csv(self, round_id: FromPath[int], calculation_id: FromPath[int]) -> Response:
        return await _export(round_id, calculation_id, "csv")

    @get(
        "/rounds/{round_id:int}/calculations/{calculation_id:int}/results.xlsx",
        name="funding_results_xlsx",
        opt=allow(BUREAU),
    )
    async def export_xlsx(self, round_id: FromPath[int], calculation_id: FromPath[int]) -> Response:
        return await _export(round_id, calculation_id, "xlsx")


async def _export(round_id: int, calculation_id: int, fmt: str) -> Response:
    """A calculation's results as a CSV or XLSX download."""
    rnd = await _round(round_id)
    calcs = {c["id"]: c for c in await calculation.calculations_of(rnd.id)}
    if calculation_id not in calcs:
        raise NotFoundException("no such export")
    program = await Program.objects().where(Program.id == rnd.program).first()
    spec = (
        await version_spec(program.current_version)
        if program and program.current_version
        else from_stored(None)
    )
    rows, head = await exports.export_rows(calculation_id, spec), exports.headers(spec)
    name = f"round-{rnd.key}-v{calcs[calculation_id]['version']}.{fmt}"
    if fmt == "csv":
        body, media = exports.to_csv(rows, head), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(rows, rnd.name_zh, head)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
