"""The kit's shape, read from the source text (only a2vlib.papers and a2vlib.params are imported): no import cycles, the
layers (core at the bottom, study rooms on top, rooms apart), short modules, and notebooks that hold no logic and no
figure from a paper."""
from __future__ import annotations

import ast
import importlib
import math
import pkgutil
from pathlib import Path

import nbformat
import pytest

import a2vlib.papers
from a2vlib.papers import quotes

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "a2vlib"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINES = 400


# ---------------------------------------------------------------------------------------------------------------
# The import graph

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, runtime_only: bool) -> set[str]:
    """The a2vlib modules ``module`` imports, at module level and inside functions alike. ``from p import x`` counts
    as importing ``p`` (its ``__init__`` runs) and ``p.x`` when that is a module. With ``runtime_only``, imports
    under ``if TYPE_CHECKING:`` are left out (they never run, so they cannot close a cycle)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


def _graph(runtime_only: bool) -> dict[str, set[str]]:
    return {module: _imports(module, runtime_only) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle for each back edge a depth-first search meets, as ``[a, b, ..., a]``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_graph_sees_the_imports():
    """Guard for the tests below: the graph finds imports of every kind (absolute, from-import, function level)."""
    graph = _graph(runtime_only=False)
    assert "a2vlib.core.errors" in graph["a2vlib.cli.commands"]  # module level
    assert "a2vlib.report" in graph["a2vlib.cli.commands"]  # inside a function
    assert "a2vlib.core.atomic" in graph["a2vlib.core.cache"]


def test_cycle_finder_reports_the_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    cycles = _cycles(_graph(runtime_only=True))
    assert not cycles, "import cycles among a2vlib modules:\n  " + "\n  ".join(" -> ".join(c) for c in cycles)


def _violations(source_prefix: str, forbidden, why: str) -> list[str]:
    graph = _graph(runtime_only=False)
    return [f"{module} imports {target}: {why}" for module in sorted(graph) if _inside(module, source_prefix)
            for target in sorted(graph[module]) if forbidden(module, target)]


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_core_is_the_bottom_layer():
    bad = _violations("a2vlib.core", lambda m, t: not _inside(t, "a2vlib.core"),
                      "a2vlib.core imports nothing from a2vlib outside core")
    assert not bad, "\n".join(bad)


def test_only_the_rooms_import_the_rooms():
    graph = _graph(runtime_only=False)
    bad = [f"{m} imports {t}: study rooms sit on top; nothing outside a2vlib/studies/ imports them"
           for m in sorted(graph) if not _inside(m, "a2vlib.studies")
           for t in sorted(graph[m]) if _inside(t, "a2vlib.studies")]
    assert not bad, "\n".join(bad)


def test_librosa_is_loaded_through_one_door():
    """librosa's numba kernels must be compiled under a lock (a2vlib.core.compiled): a bare ``import librosa`` in the
    kit could let two processes side by side write numba's cache at once and break it for every later process."""
    bad = []
    for module, path in MODULES.items():
        if module == "a2vlib.core.compiled":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{module}: import {n}" for n in names if n.split(".")[0] == "librosa" and n != "librosa.display"]
    assert not bad, "use a2vlib.core.compiled.librosa():\n" + "\n".join(bad)


def test_data_and_features_do_not_read_params():
    bad = [v for pkg in ("a2vlib.data", "a2vlib.features")
           for v in _violations(pkg, lambda m, t: _inside(t, "a2vlib.params"),
                                "data and features take plain arguments, not profiles")]
    assert not bad, "\n".join(bad)


ROOMS = sorted(p.name for p in (PACKAGE / "studies").iterdir() if (p / "__init__.py").exists())


def test_rooms_are_apart():
    assert {"wan2019", "chen2017", "liu_v2ra"} <= set(ROOMS)
    graph = _graph(runtime_only=False)
    bad = []
    for room in ROOMS:
        own = f"a2vlib.studies.{room}"
        for module in sorted(m for m in graph if _inside(m, own)):
            bad += [f"{module} imports {t}: one room does not import another (move what both need below studies/)"
                    for t in sorted(graph[module]) if _inside(t, "a2vlib.studies") and t != "a2vlib.studies"
                    and not _inside(t, own)]
    assert not bad, "\n".join(bad)


def _lines(module: str) -> int:
    return len(MODULES[module].read_text(encoding="utf-8").splitlines())


def single_room_modules() -> dict[str, list[str]]:
    """For each room, the modules below ``studies/`` that only that room uses: every module that imports them,
    directly or through other such modules, lies in that room, and neither the ``a2v`` command nor another room
    reaches them. Package ``__init__`` files that only re-export, and the papers' quoted figures, are left out."""
    graph = _graph(runtime_only=False)
    importers: dict[str, set[str]] = {m: set() for m in graph}
    for module, targets in graph.items():
        for target in targets:
            importers[target].add(module)

    def room_of(module: str) -> str | None:
        parts = module.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "studies" else None

    users: dict[str, set[str]] = {}  # module -> the rooms, or "shared", that reach it from above

    def reach(module: str, seen: frozenset = frozenset()) -> set[str]:
        if module in users:
            return users[module]
        out: set[str] = set()
        for importer in importers[module] - seen:
            room = room_of(importer)
            if room:
                out.add(room)
            elif importer == "a2vlib" or _inside(importer, "a2vlib.cli") or importer.endswith("__init__"):
                out.add("shared")
            else:
                above = reach(importer, seen | {module})
                out |= above if above else {"shared"}
        users[module] = out
        return out

    alone: dict[str, list[str]] = {room: [] for room in ROOMS}
    for module in graph:
        if room_of(module) or module == "a2vlib.studies" or MODULES[module].name == "__init__.py":
            continue
        if _inside(module, "a2vlib.papers"):  # the quoted figures live in papers/, checked against the texts
            continue
        rooms = reach(module)
        if len(rooms) == 1 and next(iter(rooms)) in alone:
            alone[next(iter(rooms))].append(module)
    return alone


def test_each_paper_keeps_its_own_code_in_its_room():
    """Code one paper alone uses lives in that paper's room (what two rooms or the a2v command use lives below):
    the lines of the modules below studies/ that only one room reaches stay under 10 % of that room's lines."""
    alone = single_room_modules()
    report = []
    for room in ROOMS:
        own = sum(_lines(m) for m in MODULES if _inside(m, f"a2vlib.studies.{room}"))
        outside = sum(_lines(m) for m in alone[room])
        if outside >= 0.10 * own:
            report.append(f"{room}: {outside} lines only it uses lie outside its {own} ({', '.join(alone[room])})")
    assert not report, "move them into the room:\n  " + "\n  ".join(report)


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them): " + ", ".join(
        f"{MODULES[m].relative_to(ROOT)} ({n})" for m, n in sorted(long.items()))


# ---------------------------------------------------------------------------------------------------------------
# Notebooks hold no logic and no figure from a paper

LOGIC = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def", ast.ClassDef: "class", ast.For: "for",
         ast.AsyncFor: "async for", ast.While: "while", ast.Lambda: "lambda", ast.ListComp: "list comprehension",
         ast.SetComp: "set comprehension", ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression"}
ALLOWED_IMPORTS = ("a2vlib", "IPython")


def _code_cells(path: Path):
    """(index, cell, parsed source) of each code cell. nbgrader cells (metadata ``nbgrader``: solution and test
    cells that a course may add) are the one exception to these rules and are left out."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "nbgrader" in cell.metadata:
            continue
        yield i, cell, ast.parse(_python(cell.source), f"{path.name}[{i}]")


def _python(source: str) -> str:
    """Cell source as plain Python: IPython magics (``%matplotlib``, ``!ls``) become calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return "\n".join("pass" if line.lstrip()[:1] in "%!" else line for line in source.splitlines())
    return TransformerManager().transform_cell(source)


def _where(path: Path, i: int, node: ast.AST) -> str:
    return f"{path.name} cells[{i}] line {getattr(node, 'lineno', '?')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_cells_hold_no_logic(path):
    """Code cells call the library; loops, functions, classes, lambdas and comprehensions belong in a2vlib."""
    bad = []
    for i, _, tree in _code_cells(path):
        for node in ast.walk(tree):
            kind = next((name for cls, name in LOGIC.items() if isinstance(node, cls)), None)
            if kind:
                bad.append(f"{_where(path, i, node)}: {kind}")
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [("." * node.level) + (node.module or "")] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{_where(path, i, node)}: import {name} (only {', '.join(ALLOWED_IMPORTS)})" for name in names
                    if name.split(".")[0] not in ALLOWED_IMPORTS]
    assert not bad, "logic in the notebook (move it into a2vlib):\n  " + "\n  ".join(bad)


def _paper_modules():
    return [importlib.import_module(f"a2vlib.papers.{m.name}")
            for m in pkgutil.iter_modules(a2vlib.papers.__path__) if not m.name.startswith("_")]


def _paper_figures() -> dict[float, list[str]]:
    """Every quoted value, and for a share the paper prints as a percentage ("78%") the percentage too."""
    figures: dict[float, list[str]] = {}
    for module in _paper_modules():
        paper = module.__name__.rpartition(".")[2]
        for path, q in quotes(module).items():
            figures.setdefault(float(q.value), []).append(f"{paper}.{path}")
            if q.text and "%" in q.text and 0 < abs(q.value) < 1:
                figures.setdefault(round(q.value * 100, 6), []).append(f"{paper}.{path} (as a percentage)")
    return figures


# Which literals may equal a paper's figure (false positives allowed on purpose):
# * integers from -10 to 10. The papers' integers in that range are counts (4 layers, 5 G steps per D step, 9
#   classes, 10 folds / raters / z dims, strides, the ends of rating scales, "0 Imperceptible"), and the same small
#   counts are everywhere in a notebook for other reasons: decimals shown (.round(3), .round(4)), grid columns
#   (ncols=5), examples picked (n=5), indices. Flagging them would flag every notebook and teach nothing. A
#   hyper-parameter hard-coded as a keyword (g_steps=5) is still caught by the check of keyword arguments below.
# * anything inside strings (labels, format specs), and booleans.
# * the parameters cell, which is where a notebook's numbers belong (a profile overrides them there), and nbgrader
#   cells. Everything else (0.78, 2.83, 64, 256, 300, 0.0002, ...) must come from a2vlib.papers or the parameters.
SMALL_INT = 10


def _numbers(tree: ast.AST):
    """(value, node) of each numeric literal, a unary minus folded in (``-0.3`` is one literal)."""
    negated: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and _is_number(node.operand):
            negated.add(id(node.operand))
            yield (-1 if isinstance(node.op, ast.USub) else 1) * node.operand.value, node
        elif _is_number(node) and id(node) not in negated:
            yield node.value, node


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _matching(value: float, figures: dict[float, list[str]]) -> list[str]:
    if float(value).is_integer() and abs(value) <= SMALL_INT:
        return []
    return [name for figure, names in figures.items() if math.isclose(value, figure, rel_tol=1e-9, abs_tol=1e-12)
            for name in names]


def test_figure_matching_rules():
    figures = {0.78: ["wan.DISCARD"], 78.0: ["wan.DISCARD (as a percentage)"], 4.0: ["wan.G_LAYERS"],
               256.0: ["wan.SOUNDNET_DIM"], -3.98: ["liu.B_MIN"]}
    assert _matching(0.78, figures) == ["wan.DISCARD"] and _matching(78, figures) == ["wan.DISCARD (as a percentage)"]
    assert _matching(4, figures) == [] and _matching(256, figures) == ["wan.SOUNDNET_DIM"]
    assert [v for v, _ in _numbers(ast.parse("f(-3.98, x=2, s='0.78', b=True)"))] == [-3.98, 2]
    assert _matching(-3.98, figures) == ["liu.B_MIN"]


def test_paper_figures_are_found():
    figures = _paper_figures()
    assert any(name.startswith("wan2019.") for names in figures.values() for name in names)
    assert "wan2019.DISCARD_SHARE (as a percentage)" in figures[78.0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_quote_no_paper_figure(path):
    figures = _paper_figures()
    bad = []
    for i, cell, tree in _code_cells(path):
        if "parameters" in cell.metadata.get("tags", []):
            continue
        for value, node in _numbers(tree):
            names = _matching(value, figures)
            if names:
                bad.append(f"{_where(path, i, node)}: {value!r} equals {', '.join(sorted(set(names)))}; take it from "
                           "a2vlib.papers (or make it a parameter)")
    assert not bad, "\n  ".join(["paper figures typed into the notebook:"] + bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_keywords_named_like_parameters_take_the_parameter(path):
    """``g_steps=5`` next to a parameter ``g_steps`` bypasses the profile: a keyword named like a parameter must be
    given a name (normally the parameter itself), never a literal."""
    from a2vlib.params import notebook_defaults

    params = set(notebook_defaults(path))
    bad = []
    for i, cell, tree in _code_cells(path):
        if "parameters" in cell.metadata.get("tags", []):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in params and (
                    isinstance(node.value, ast.Constant) or _is_number(getattr(node.value, "operand", None))):
                bad.append(f"{_where(path, i, node.value)}: {node.arg}={ast.unparse(node.value)}; pass {node.arg}")
    assert not bad, "\n  ".join(["literal values for parameters:"] + bad)
