"""The period lock: exactly one run at a time, also when contenders start together and a
dead run left its lock file behind."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from custlab.report.lock import RunLockedError, period_lock

PROCESSES = 4
TRIALS = 240


def _contend(folder, barrier, holders, overlaps, wins, trials):
    for _ in range(trials):
        barrier.wait()  # the trial starts: every contender at once
        try:
            with period_lock(folder, "2026-10"):
                with holders.get_lock():
                    holders.value += 1
                    if holders.value > 1:
                        overlaps.value += 1
                time.sleep(0.002)  # hold it a moment, as a run does
                with holders.get_lock():
                    holders.value -= 1
                with wins.get_lock():
                    wins.value += 1
        except RunLockedError:
            pass
        barrier.wait()  # the trial ends


def dead_pid() -> int:
    """A pid that no process has now."""
    child = multiprocessing.get_context("fork").Process(target=lambda: None)
    child.start()
    child.join()
    return child.pid


def test_no_two_processes_ever_hold_the_lock(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES + 1)
    holders, overlaps, wins = context.Value("i", 0), context.Value("i", 0), context.Value("i", 0)
    workers = [context.Process(target=_contend, args=(tmp_path, barrier, holders, overlaps, wins, TRIALS))
               for _ in range(PROCESSES)]  # fmt: skip
    for worker in workers:
        worker.start()
    stale = dead_pid()
    won_before = 0
    for trial in range(TRIALS):
        if trial % 2:  # half the trials start with a lock file a dead run left behind
            (tmp_path / "2026-10.lock").write_text(f"{stale} 2026-01-01T00:00:00\n")
        barrier.wait()
        barrier.wait()
        assert wins.value > won_before, f"trial {trial}: nobody took the lock"
        won_before = wins.value
    for worker in workers:
        worker.join(30)
    assert overlaps.value == 0
    assert wins.value >= TRIALS


def test_a_live_holder_is_named_and_the_file_goes_when_released(tmp_path):
    with period_lock(tmp_path, "2026-10") as path:
        assert path.read_text().split()[0] == str(os.getpid())
        context = multiprocessing.get_context("fork")
        result = context.Queue()

        def contender():
            try:
                with period_lock(tmp_path, "2026-10"):
                    result.put("taken")
            except RunLockedError as exc:
                result.put(str(exc))

        child = context.Process(target=contender)
        child.start()
        child.join(10)
        message = result.get(timeout=5)
        assert "in progress" in message and f"process {os.getpid()}" in message
    assert not (tmp_path / "2026-10.lock").exists()


def test_a_lock_file_left_by_a_killed_run_is_taken(tmp_path):
    (tmp_path / "2026-10.lock").write_text(f"{dead_pid()} 2026-01-01T00:00:00\n")
    with period_lock(tmp_path, "2026-10") as path:
        assert path.read_text().split()[0] == str(os.getpid())


def test_lock_in_a_folder_that_cannot_be_made_is_a_setup_error(tmp_path):
    from custlab.exceptions import SetupError

    (tmp_path / "file").write_text("x")
    with pytest.raises(SetupError, match="Not a directory"):
        with period_lock(tmp_path / "file" / "_runs", "2026-10"):
            pass
