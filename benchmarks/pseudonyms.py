"""Pseudonym collisions at the documented scale: ids C00000001..C10000000 under one salt.

Counts the distinct pseudonyms at 64 bits (what custlab publishes) and, for
comparison, at 40 bits (10 hex digits, what it published before).

    python benchmarks/pseudonyms.py [--customers 10000000]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from custlab.report import pseudonyms as module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--salt", default="benchmark-salt")
    args = parser.parse_args()
    ids = pd.Series([f"C{i:08d}" for i in range(1, args.customers + 1)])
    for digits in (16, 10):
        module.PSEUDONYM_HEX_DIGITS = digits
        began = time.perf_counter()
        aliases = module.pseudonyms(ids, args.salt)
        seconds = time.perf_counter() - began
        collisions = len(ids) - aliases.nunique()
        print(f"{digits * 4} bits: {len(ids):,} ids, {collisions:,} collisions, {seconds:.1f} s")


if __name__ == "__main__":
    main()
