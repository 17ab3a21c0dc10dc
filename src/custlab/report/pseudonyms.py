"""Pseudonymised publication: customer ids replaced by stable pseudonyms, names removed."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from custlab.result import PeriodResult


def pseudonymise(result: PeriodResult, salt: str) -> PeriodResult:
    """The same result with customer ids replaced by stable pseudonyms and names removed.

    A pseudonym is ``P-`` and 10 hex digits of SHA-256(salt + id): the same id
    and salt always give the same pseudonym, so periods stay comparable, and
    without the salt the id cannot be looked up. For reports that leave finance.
    """
    import hashlib

    def alias(value) -> str:
        return "P-" + hashlib.sha256((salt + str(value)).encode("utf-8")).hexdigest()[:10]

    def swap(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "customer_id" not in frame:
            return frame
        out = frame.copy()
        out["customer_id"] = out["customer_id"].map(alias)
        if "name" in out:
            out["name"] = None
        return out

    summary = dict(result.summary)
    summary["pseudonymised"] = True
    quarantine = result.quarantine.assign(value=None) if not result.quarantine.empty else result.quarantine
    return replace(
        result,
        summary=summary,
        quarantine=quarantine,
        **{name: swap(getattr(result, name)) for name in ("customers", "movers", "account_months", "account_tiers")},
    )
