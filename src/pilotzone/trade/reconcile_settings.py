"""The ``[trade]`` section of a tenant file (``tenants/<slug>.toml``) as far as reconciliation reads it,
written by ``tenants sync`` (``provisioning.write_tenant``) into the tenant's ``trade_setting`` row::

    [trade]
    tolerance_percent = 10   # a declared/official gap above this share of the official figure is flagged

Other ``[trade]`` keys (the returns' deadline day) belong in the same struct and row."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from pilotzone.trade.reconcile import DEFAULT_TOLERANCE, save_tolerance


class TradeSpec(msgspec.Struct, forbid_unknown_fields=True):
    tolerance_percent: Decimal = DEFAULT_TOLERANCE

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.tolerance_percent <= Decimal(100):
            raise ValueError("tolerance_percent is a percentage between 0 and 100")
        if self.tolerance_percent != self.tolerance_percent.quantize(Decimal("0.01")):
            raise ValueError("tolerance_percent has at most two decimals")


async def sync_trade(spec: TradeSpec) -> None:
    """Write the current tenant's trade settings from its file (nothing when unchanged)."""
    await save_tolerance(spec.tolerance_percent)
