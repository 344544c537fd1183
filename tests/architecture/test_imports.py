"""The layers stay layers: no import cycles anywhere in netpath, a pure engine, and no imports
hidden inside the engine's functions.

The graph is read from the source (`imports.py`), so an import inside a function or under
`if TYPE_CHECKING:` counts like any other: that is where cycles hide.
"""

from __future__ import annotations

import ast

import pytest

from tests.architecture.imports import ROOT, Import, cycles, graph, imports, module_names

# Layer -> the netpath packages it must never import.
FORBIDDEN = {
    "netpath.model": ("netpath.engine", "netpath.load", "netpath.sources", "netpath.render",
                      "netpath.checks", "netpath.drill", "netpath.cli"),
    "netpath.engine": ("netpath.load", "netpath.sources", "netpath.render", "netpath.checks",
                       "netpath.drill", "netpath.cli"),
    "netpath.load": ("netpath.engine", "netpath.sources", "netpath.render", "netpath.checks",
                     "netpath.drill", "netpath.cli"),
    "netpath.sources": ("netpath.engine", "netpath.render", "netpath.checks", "netpath.drill",
                        "netpath.cli"),
    "netpath.checks": ("netpath.sources", "netpath.render", "netpath.drill", "netpath.cli"),
    "netpath.render": ("netpath.cli",),
    # The drill reads its progress file through netpath.load.reading, the one bounded reader.
    "netpath.drill": ("netpath.render", "netpath.cli"),
}
# Third-party packages the pure core never touches (no terminal, no files, no parsing).
CORE_THIRD_PARTY = ("rich", "typer", "click", "yaml", "jsonschema", "jsonschema_rs")
# Function-level imports the engine may keep: lazy loading of optional parts only, each with
# its reason. Empty today: everything the engine needs is imported at the top.
ENGINE_LAZY: dict[tuple[str, str], str] = {}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_reader_sees_function_level_imports() -> None:
    """The scan itself: an import inside a function is found and marked as such (else the
    tests below would pass by seeing nothing)."""
    found = [i for i in imports() if i.module == "netpath.cli.trace" and i.in_function]
    assert any(i.target == "netpath.engine" for i in found)


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"], ["e"]]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_downwards_only(layer: str) -> None:
    wrong = [f"{i.module}:{i.line} imports {i.target}" for i in imports()
             if _in(i.module, layer) and any(_in(i.target, f) for f in FORBIDDEN[layer])]
    assert wrong == []


def _third_party(package: str) -> list[str]:
    found = []
    for module, path in module_names().items():
        if not _in(module, package):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{module}:{node.lineno} imports {n}" for n in names
                      if n.split(".")[0] in CORE_THIRD_PARTY]
    return found


@pytest.mark.parametrize("package", ["netpath.model", "netpath.engine"])
def test_the_core_imports_no_terminal_file_or_parser_library(package: str) -> None:
    assert _third_party(package) == []


def test_the_engine_hides_no_imports_inside_functions() -> None:
    hidden: list[Import] = [i for i in imports() if _in(i.module, "netpath.engine")
                            and i.in_function and (i.module, i.target) not in ENGINE_LAZY]
    assert [f"{i.module}:{i.line} imports {i.target}" for i in hidden] == []


def test_every_package_says_what_it_is() -> None:
    missing = [str(path.relative_to(ROOT.parent)) for path in ROOT.rglob("__init__.py")
               if "scenarios" not in path.parts
               and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None]
    assert missing == []
