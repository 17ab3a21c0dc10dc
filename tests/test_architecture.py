"""The folder tree is the architecture: imports go one way, down the flow, and never in a circle.

sources -> aggregate -> analysis -> report: each stage may import the stages and
the infrastructure below it, never one above. The graph is read from the source
with ``ast`` (imports inside functions count too), so a lazy import cannot hide
an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "custlab"

#: Units from the bottom up; a unit may import only its own modules and lower units.
LAYERS = [
    ("custlab.exceptions",),
    ("custlab.periods", "custlab.frames"),
    ("custlab.engine", "custlab.clv"),
    ("custlab.io",),
    ("custlab.sources",),
    ("custlab.aggregate",),
    ("custlab.result",),
    ("custlab.analysis",),
    ("custlab.demo",),
    ("custlab.report",),
    ("custlab.cli", "custlab"),
]
RANK = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = ["custlab", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def unit_of(module: str) -> str:
    """The layer unit a module belongs to: the longest listed prefix."""
    candidates = [u for u in RANK if module == u or module.startswith(u + ".")]
    return max(candidates, key=len)


def resolve(name: str) -> str | None:
    """The custlab module an imported name refers to (``custlab.x.y`` may be a module or a name in ``custlab.x``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {target for n in names if n.startswith("custlab") and (target := resolve(n)) and target != module}
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_sits_in_a_layer():
    assert "custlab.analysis.pipeline" in GRAPH and len(GRAPH) > 40
    for module in GRAPH:
        assert unit_of(module) in RANK


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    unit = unit_of(module)
    upward = [
        target for target in GRAPH[module]
        if unit_of(target) != unit and RANK[unit_of(target)] >= RANK[unit]
    ]  # fmt: skip
    assert not upward, f"{module} ({unit}) imports {upward}: a stage never imports one above it"


def test_no_import_cycles():
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target] if target in path else [module, target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_sees_an_upward_import_and_a_cycle():
    # The checks above must be able to fail: a made-up analysis module importing the report.
    GRAPH["custlab.analysis._probe"] = {"custlab.report.tables"}
    MODULES["custlab.analysis._probe"] = PACKAGE / "analysis" / "_probe.py"
    try:
        with pytest.raises(AssertionError, match="never imports one above"):
            test_imports_only_go_down("custlab.analysis._probe")
        GRAPH["custlab.analysis._probe"] = {"custlab.analysis._probe2"}
        GRAPH["custlab.analysis._probe2"] = {"custlab.analysis._probe"}
        with pytest.raises(AssertionError):
            test_no_import_cycles()
    finally:
        for name in ("custlab.analysis._probe", "custlab.analysis._probe2"):
            GRAPH.pop(name, None)
            MODULES.pop(name, None)


def test_functions_stay_short():
    # A function over 120 lines does several jobs: split it into named steps.
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 120:
                long.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long == []


def test_analyse_reads_as_the_flow_it_runs():
    from custlab.analysis import pipeline
    import inspect

    lines = inspect.getsource(pipeline.analyse).splitlines()
    assert len(lines) <= 80, len(lines)
