"""Pseudonymised publication: customer ids replaced by stable pseudonyms, names and quarantined values removed.

A pseudonym is ``P-`` and the first 16 hex digits (64 bits) of SHA-256(salt +
id): the same id and salt always give the same pseudonym, so periods stay
comparable, and without the salt an id cannot be looked up. With 64 bits, ten
million ids collide with a probability of about 3 in a million; a collision is
checked for anyway, and refuses the run (40 bits, as before, gave 46
collisions among ids C00000001..C10000000).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pyarrow as pa

from custlab.exceptions import InputError
from custlab.result import PeriodResult

#: Hex digits of SHA-256 kept: 16 digits are 64 bits.
PSEUDONYM_HEX_DIGITS = 16
#: The frames of a result that carry customer ids.
FRAMES_WITH_IDS = ("customers", "movers", "account_months", "account_tiers")


def pseudonyms(ids: pd.Series, salt: str) -> pd.Series:
    """``P-`` + the first 16 hex digits of SHA-256(salt + id) for each id (hashed in DuckDB, vectorised)."""
    con = duckdb.connect()
    try:
        con.register("ids", pa.table({"id": pa.array(ids.astype(str).to_numpy(dtype=object), type=pa.string())}))
        hashed = con.execute(
            f"SELECT 'P-' || left(sha256($salt || id), {PSEUDONYM_HEX_DIGITS}) FROM ids", {"salt": salt}
        ).fetchnumpy()
    finally:
        con.close()
    return pd.Series(next(iter(hashed.values())), index=ids.index, dtype=object)


def check_no_collision(ids: pd.Series, aliases: pd.Series) -> None:
    """Refuse pseudonyms that give two distinct ids the same alias.

    Raises
    ------
    InputError
        Naming how many ids collide (never the ids themselves).
    """
    clashes = int(pd.Series(ids.astype(str).to_numpy()).nunique() - pd.Series(aliases.to_numpy()).nunique())
    if clashes:
        raise InputError(
            f"pseudonyms collide for {clashes:,} customer ids under this salt; set another CUSTLAB_PSEUDONYM_SALT"
        )


def pseudonymise(result: PeriodResult, salt: str) -> PeriodResult:
    """The same result with customer ids replaced by stable pseudonyms, names removed and
    quarantined values left out (a quarantined cell may hold an id or a name).

    The customers table holds every id the other frames show; its pseudonyms are
    checked for collisions before anything is published.
    """

    def swap(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "customer_id" not in frame:
            return frame
        out = frame.copy()
        out["customer_id"] = pseudonyms(out["customer_id"], salt).to_numpy()
        if "name" in out:
            out["name"] = None
        return out

    swapped = {name: swap(getattr(result, name)) for name in FRAMES_WITH_IDS}
    if not result.customers.empty:
        check_no_collision(result.customers["customer_id"], swapped["customers"]["customer_id"])
    summary = {**result.summary, "pseudonymised": True}
    quarantine = result.quarantine.assign(value=None) if not result.quarantine.empty else result.quarantine
    return replace(result, summary=summary, quarantine=quarantine, **swapped)
