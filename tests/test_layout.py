"""The house's rules, checked on the source: no import cycles, and file formats without torch or Lightning."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mimic"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """mimic modules that ``path`` imports anywhere (top level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # ``from mimic.nets import base`` may name a submodule; ``from mimic.nets import Net`` a class
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a list of nodes, or None (depth-first search with colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_import_graph_has_no_cycles():
    graph = import_graph()
    assert "mimic.callbacks.teacher_logits" in graph and graph["mimic.callbacks.teacher_logits"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_file_formats_need_neither_torch_nor_lightning():
    """``mimic.formats`` is imported by the synthesiser's worker processes, which start without torch."""
    for path in (PACKAGE / "formats").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        heavy = {name for name in imported if name.split(".")[0] in ("torch", "lightning", "torchaudio")}
        assert not heavy, f"{path.name} imports {sorted(heavy)}"
        assert all(not name.startswith("mimic.") or name.startswith("mimic.formats") for name in imported), path.name


# The floors of docs/architecture.md, top to bottom: a module imports from its own floor or below.
FLOORS = (
    {"mimic.experiments"},
    {"mimic.cli", "mimic.__main__", "mimic.commands", "mimic.tools", "mimic.run_defaults", "mimic.run_loggers"}
    | {"mimic.config_reader"},
    {"mimic.report", "mimic.deploy"},
    {"mimic.tasks"},
    {"mimic.callbacks"},
    {"mimic.data", "mimic.linking"},
    {"mimic.metrics", "mimic.synth"},
    {"mimic.nets", "mimic.formats"},
    {"mimic", "mimic.atomic", "mimic.batch", "mimic.config_files", "mimic.errors", "mimic.ranks", "mimic.run_folder"}
    | {"mimic.run_log", "mimic.content_hash", "mimic.stage_record"},
)


def _floor(module: str) -> int:
    room = ".".join(module.split(".")[:2])
    return next(i for i, floor in enumerate(FLOORS) if room in floor)


def test_every_module_has_a_floor_and_imports_only_from_its_own_or_below():
    upward = [
        f"{module} imports {imported}"
        for module, imports in import_graph().items()
        for imported in imports
        if _floor(imported) < _floor(module)
    ]
    assert not upward, upward
