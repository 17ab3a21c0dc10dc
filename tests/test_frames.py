"""Matching per-customer tables by id in place gives what a left merge gives."""

import numpy as np
import pandas as pd
import pytest

from custlab import frames


def test_add_columns_is_a_left_merge_for_every_kind_of_column():
    left = pd.DataFrame({"customer_id": ["c", "a", "x", "b"], "revenue": [3.0, 1.0, 9.0, 2.0]})
    right = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "z"],  # x is missing, z is not in the file
            "count": [1, 2, 3, 4],
            "score": [0.5, np.nan, 1.5, 2.5],
            "flag": [True, False, True, False],
            "word": ["one", "two", None, "four"],
            "day": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]),
        }
    )
    expected = left.merge(right, on="customer_id", how="left")
    got = frames.add_columns(left.copy(), right)
    pd.testing.assert_frame_equal(got, expected)
    assert got["count"].isna().tolist() == [False, False, True, False]
    assert got.loc[0, "word"] is pd.NA or pd.isna(got.loc[0, "word"])


def test_add_columns_keeps_dtypes_when_every_row_matches_and_keeps_the_index():
    left = pd.DataFrame({"customer_id": ["b", "a"], "revenue": [2.0, 1.0]}, index=[10, 20])
    right = pd.DataFrame({"customer_id": ["a", "b"], "count": [1, 2], "flag": [True, False]})
    got = frames.add_columns(left, right)
    assert got is left
    assert got["count"].dtype == np.int64 and got["flag"].dtype == bool
    assert got["count"].tolist() == [2, 1] and got.index.tolist() == [10, 20]


def test_add_columns_refuses_repeated_keys_and_clashing_columns():
    left = pd.DataFrame({"customer_id": ["a"], "revenue": [1.0]})
    with pytest.raises(ValueError, match="repeat"):
        frames.add_columns(left, pd.DataFrame({"customer_id": ["a", "a"], "x": [1, 2]}))
    with pytest.raises(ValueError, match="in both frames"):
        frames.add_columns(left, pd.DataFrame({"customer_id": ["a"], "revenue": [5.0]}))


def test_repeated_keys_are_refused_whether_or_not_the_table_is_in_key_order():
    keys = pd.Series(["a", "b", "c"])
    assert frames.row_positions(keys, pd.Series(["a", "b", "c"])).tolist() == [0, 1, 2]  # in order: no hash needed
    assert frames.row_positions(keys, pd.Series(["c", "a", "b"])).tolist() == [1, 2, 0]  # out of order, unique
    assert frames.row_positions(keys, pd.Series(["a", None, "c"])).tolist() == [0, -1, 2]
    for repeated in (["a", "b", "b", "c"], ["b", "a", "b"], ["a", "b", "a"]):
        with pytest.raises(ValueError, match="repeat"):
            frames.row_positions(keys, pd.Series(repeated))


def test_row_positions_of_the_same_keys_in_the_same_order_are_the_rows_in_order(monkeypatch):
    keys = pd.Series(["a", "b", "c", "d"], dtype="string[pyarrow]")
    looked_up = []
    real_index_in = frames.pc.index_in
    monkeypatch.setattr(frames.pc, "index_in", lambda *a, **k: looked_up.append(1) or real_index_in(*a, **k))
    assert frames.row_positions(keys, keys.astype(object)).tolist() == [0, 1, 2, 3]
    assert looked_up == []  # no hash lookup for the same keys in order
    # anything else is looked up, and gives the same answer a lookup gives
    for wanted, table, expected in [
        (["a", "b", "c", "x"], ["a", "b", "c", "d"], [0, 1, 2, -1]),  # one key differs
        (["b", "a"], ["a", "b"], [1, 0]),  # same keys, another order
        (["a", None], ["a", "b"], [0, -1]),  # a missing key
        (["a", "b"], ["b", "a"], [1, 0]),  # a table not in key order
        (["a", "b", "c"], ["a", "b"], [0, 1, -1]),
    ]:
        looked_up.clear()
        assert frames.row_positions(pd.Series(wanted), pd.Series(table)).tolist() == expected
        assert looked_up == [1]


def test_row_positions_marks_missing_keys():
    positions = frames.row_positions(pd.Series(["b", "q", "a"]), pd.Series(["a", "b"]))
    assert positions.tolist() == [1, -1, 0]


def test_row_positions_with_an_empty_table_or_keys_of_another_string_type():
    assert frames.row_positions(pd.Series(["a", "b"]), pd.Series([], dtype=object)).tolist() == [-1, -1]
    assert frames.row_positions(pd.Series([], dtype="str"), pd.Series(["a"])).tolist() == []
    objects = pd.Series(["b", "a"], dtype=object)
    assert frames.row_positions(pd.Series(["a", "b"], dtype="str"), objects).tolist() == [1, 0]


def test_is_in_marks_the_wanted_keys():
    keys = pd.Series(["a", "b", "c", "b"], dtype="str")
    assert frames.is_in(keys, pd.Series(["b", "z"], dtype=object)).tolist() == [False, True, False, True]
    assert frames.is_in(keys, pd.Series([], dtype=object)).tolist() == [False] * 4


def test_select_columns_gives_the_selection_without_copying_a_block():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0], "d": [7.0, 8.0]}, index=[7, 9])
    frame["word"] = pd.Series(["x", None], dtype="str", index=frame.index)
    frame["count"] = pd.array([1, None], dtype="Int64")
    wanted = ["count", "d", "b", "a", "not there", "word"]
    got = frames.select_columns(frame, wanted)
    listed = frame[["count", "d", "b", "a", "word"]]
    pd.testing.assert_frame_equal(got, listed)
    # a to d are one block, and d, b, a is no slice of it: a list selection copies them, this shares them
    assert not np.shares_memory(listed["b"].to_numpy(), frame["b"].to_numpy())
    assert all(np.shares_memory(got[c].to_numpy(), frame[c].to_numpy()) for c in ("d", "b", "a"))
    got.loc[7, "a"] = -1.0  # copy on write: the file it came from is not changed
    assert frame.loc[7, "a"] == 1.0
