"""Pseudonyms: 64 bits of SHA-256(salt + id), stable across runs, refused when two ids collide."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from custlab.exceptions import InputError
from custlab.report import pseudonyms as module
from custlab.report.pseudonyms import check_no_collision, pseudonyms


def test_pseudonym_is_p_and_16_hex_digits_of_salted_sha256():
    ids = pd.Series(["C00000001", "17850", "<b>x</b>", "Zoë"])
    got = pseudonyms(ids, "salt")
    expected = ["P-" + hashlib.sha256(("salt" + i).encode("utf-8")).hexdigest()[:16] for i in ids]
    assert got.tolist() == expected
    assert pseudonyms(ids, "salt").tolist() == expected  # stable: periods stay comparable
    assert pseudonyms(ids, "other").tolist() != expected


def test_a_million_ids_get_a_million_pseudonyms():
    ids = pd.Series([f"C{i:08d}" for i in range(1, 1_000_001)])
    aliases = pseudonyms(ids, "s3cret")
    assert aliases.nunique() == 1_000_000
    check_no_collision(ids, aliases)


def test_colliding_pseudonyms_refuse_the_run(monkeypatch):
    monkeypatch.setattr(module, "PSEUDONYM_HEX_DIGITS", 1)  # 16 possible pseudonyms
    ids = pd.Series([f"C{i}" for i in range(100)])
    with pytest.raises(InputError, match=r"pseudonyms collide for \d+ customer ids"):
        check_no_collision(ids, pseudonyms(ids, "s"))
