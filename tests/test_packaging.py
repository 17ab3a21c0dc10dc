"""custlab installs like a package: the wheel alone (no checkout) writes the demo and publishes its report.

The wheel is built from this checkout and installed, without dependencies, into
a fresh virtual environment; the third-party packages it needs come from the
test environment's site-packages, added to the new environment's path by a
``.pth`` line (which does not run the test environment's own ``.pth`` files, so
its editable custlab stays out). custlab itself, its report notebook, templates
and SQL must come from the wheel.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from custlab.report.notebooks import copy_notebooks, shipped_notebooks
from tests.conftest import ROOT


def test_listed_packages_match_the_tree():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(("custlab", *p.parent.relative_to(ROOT / "src" / "custlab").parts))
        for p in (ROOT / "src" / "custlab").rglob("__init__.py")
    }
    assert listed == found | {"custlab.notebooks"}


def test_every_notebook_ships_and_copies_with_its_parameters(tmp_path):
    assert {p.as_posix() for p in shipped_notebooks()} >= {
        "reports/customer_report.ipynb", "profitability.ipynb", "retention_clv.ipynb", "segmentation.ipynb",
    }  # fmt: skip
    written = copy_notebooks(tmp_path, config="company/custlab.toml", period="2026-Q3")
    report = next(p for p in written if p.name == "customer_report.ipynb")
    source = report.read_text()
    assert str((Path("company") / "custlab.toml").resolve()).replace("\\", "\\\\") in source
    assert '2026-Q3' in source and "results_dir" in source


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory) -> Path:
    """A fresh virtual environment with custlab installed from a freshly built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(root / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("custlab-*.whl")
    venv.create(root / "env", with_pip=False)
    site = Path(subprocess.run([root / "env" / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    scripts = root / "env" / "bin"
    # the console script pip writes for [project.scripts] (--target leaves it outside the environment)
    (scripts / "custlab").write_text(
        f"#!{scripts / 'python'}\nimport sys\nfrom custlab.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
    )
    (scripts / "custlab").chmod(0o755)
    return root


def test_the_wheel_alone_publishes_the_demo_report(wheel_env):
    python, custlab = wheel_env / "env" / "bin" / "python", wheel_env / "env" / "bin" / "custlab"
    where = subprocess.run([python, "-c", "import custlab, custlab.report.notebooks as n; print(custlab.__file__); print(n.report_notebook())"],
                           capture_output=True, text=True, cwd=wheel_env, check=True).stdout.split()  # fmt: skip
    assert all(str(wheel_env / "env") in line for line in where), where  # custlab and its notebook from the wheel
    work = wheel_env / "work"
    work.mkdir()
    for args in (["demo", "--out", "demo", "--customers", "600", "--quiet"],
                 ["report", "--config", "demo/custlab.toml", "--period", "2026-10", "--out", "reports"],
                 ["notebooks", "--out", "mine", "--config", "demo/custlab.toml"]):  # fmt: skip
        # nbconvert's templates are data files of the borrowed packages, found through JUPYTER_PATH
        done = subprocess.run([custlab, *args], capture_output=True, text=True, cwd=work, timeout=600,
                              env={**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")})
        assert done.returncode == 0, done.stderr[-3000:]
    page = (work / "reports" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "Demo Company — customer report, October 2026" in page
    assert (work / "mine" / "reports" / "customer_report.ipynb").is_file()


def test_modules_need_no_checkout():
    # Nothing in the package reaches for files beside it by walking up the source tree.
    for path in (ROOT / "src" / "custlab").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "parents"]
        assert not parents, f"{path.relative_to(ROOT)} walks up the tree (Path.parents): use importlib.resources"
