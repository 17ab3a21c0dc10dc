"""Root pytest configuration: the demo company the research notebooks read by default.

nbval runs notebooks on their parameter defaults; the research notebooks point at
``data/demo/custlab.toml``, which a fresh clone does not have (it is generated, not
committed). It is generated here once, before any test, when missing.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def pytest_sessionstart(session):
    target = ROOT / "data" / "demo"
    if not (target / "custlab.toml").is_file():
        from custlab.demo import DemoSpec, generate

        generate(target, DemoSpec(), progress=False)
