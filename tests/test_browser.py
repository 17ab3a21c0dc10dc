"""The published report in a real browser: headless Chromium, network blocked.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it where
it is missing); without it these tests are skipped with that message.
"""

import re
import subprocess

import pytest

from tests.browser import CHROMIUM
from tests.browser import FLAGS as BROWSER_FLAGS

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
FLAGS = [*BROWSER_FLAGS, "--enable-logging=stderr", "--v=0"]  # the console on stderr, where these tests read it


def chromium(tmp_path, *args, timeout=120):
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args], capture_output=True, text=True, timeout=timeout
    )


def test_report_renders_offline_without_console_errors(published, tmp_path):
    _, folder = published
    page = folder / "index.html"
    done = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    dom = done.stdout
    assert "Demo Company — customer report, October 2026" in dom
    links = re.findall(r'<nav class="custlab-toc">.*?</nav>', dom, re.S)[0]
    targets = re.findall(r'href="#([^"]+)"', links)
    assert len(targets) >= 7
    for target in targets:
        assert f'id="{target}"' in dom, target
    shot = tmp_path / "report.png"
    done = chromium(tmp_path, "--window-size=1200,2400", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 50_000


def test_account_sheet_and_index_render(published, tmp_path):
    _, folder = published
    sheets = sorted((folder / "accounts").glob("C*.html"))
    assert sheets
    for page in (sheets[0], folder.parent / "index.html"):
        done = chromium(tmp_path, "--dump-dom", page.as_uri())
        assert done.returncode == 0
        assert [line for line in done.stderr.splitlines() if ":CONSOLE" in line] == []
    index = chromium(tmp_path, "--dump-dom", (folder.parent / "index.html").as_uri()).stdout
    assert 'href="2026-10/index.html"' in index


def test_hostile_corpus_runs_no_script(hostile_report, tmp_path):
    # Every script payload of tests/hostile.py would set data-pwned on <body> if it ran.
    from tests.test_hostile_input import pages

    checked = 0
    for page in pages(hostile_report)[:12]:
        done = chromium(tmp_path, "--dump-dom", page.as_uri())
        assert done.returncode == 0, done.stderr[-2000:]
        body = re.search(r"<body[^>]*>", done.stdout).group(0)
        assert "pwned" not in body, (page.name, body)
        assert "document.body.dataset.pwned" in done.stdout or page.name == "index.html", page.name  # shown as text
        assert [line for line in done.stderr.splitlines() if ":CONSOLE" in line] == [], page.name
        checked += 1
    assert checked >= 10
