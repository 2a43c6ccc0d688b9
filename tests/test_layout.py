"""The layout's arrows: no import circle between modules, every import points down the house
(cli -> tools -> job -> beam -> config -> pure rooms -> ground floor), and under transforms/ only
the beam room imports apache_beam. Read from the source with ast, lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

# Import name prefix -> folder in the repository (pyproject's package-dir).
ROOTS = {"scrapeclean.transforms": REPO / "transforms", "scrapeclean.pipeline": REPO / "pipeline"}
# Floors, lowest first: a module may import its own floor and the floors below, never above.
FLOORS = (
    (
        "scrapeclean.transforms.records",
        "scrapeclean.transforms.schema",
        "scrapeclean.transforms.errors",
        "scrapeclean.transforms.surrogates",
    ),
    ("scrapeclean.transforms.text", "scrapeclean.transforms.html", "scrapeclean.transforms.corpus"),
    ("scrapeclean.transforms.config",),
    ("scrapeclean.transforms.beam",),
    ("scrapeclean.pipeline.job",),
    ("scrapeclean.pipeline.tools",),
    ("scrapeclean.pipeline.cli",),
)
BEAM_ROOM = "scrapeclean.transforms.beam"


def modules() -> dict[str, Path]:
    """Every module of the two packages, by import name."""
    found = {}
    for prefix, folder in ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((prefix, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


def runtime_imports(path: Path, known: set[str]) -> set[str]:
    """The modules a file imports when it runs: lazy imports count, ``if TYPE_CHECKING:``
    blocks do not (they are annotations, not arrows)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # `from package import module` imports the module
                child = f"{node.module}.{alias.name}"
                imported.add(child if child in known else node.module)
    return imported


def floor_of(module: str) -> int | None:
    for index, prefixes in enumerate(FLOORS):
        if any(module == p or module.startswith(f"{p}.") for p in prefixes):
            return index
    return None  # a package's __init__: imports nothing of ours


def graph() -> dict[str, set[str]]:
    found = modules()
    return {
        name: {m for m in runtime_imports(path, set(found)) if m in found}
        for name, path in found.items()
    }


def test_no_import_circles() -> None:
    edges = graph()
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            assert state.get(target) != "open", "import circle: " + " -> ".join(
                [*trail[trail.index(target) :], target] if target in trail else [*trail, target]
            )
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_every_import_points_down() -> None:
    upward = [
        f"{source} (floor {floor_of(source)}) imports {target} (floor {floor_of(target)})"
        for source, targets in graph().items()
        for target in targets
        if floor_of(source) is not None and floor_of(target) is not None
        if floor_of(target) > floor_of(source)  # type: ignore[operator]
    ]
    assert upward == []


def test_only_the_beam_room_of_transforms_imports_beam() -> None:
    found = modules()
    importers = [
        name
        for name, path in found.items()
        if name.startswith("scrapeclean.transforms")
        and not name.startswith(BEAM_ROOM)
        and any(m.split(".")[0] == "apache_beam" for m in runtime_imports(path, set(found)))
    ]
    assert importers == []
