"""The shape of the code: use cases depend on ports, only the adapters and the wiring talk to
AWS, handlers stay thin. Checked on the source, so a new import that breaks it fails here."""

from __future__ import annotations

import ast
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "layers" / "relay" / "backup_relay"
AWS_PACKAGES = ("boto3", "botocore", "mypy_boto3")
MAY_TOUCH_AWS = ("adapters", "wiring")


@cache
def _nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a source file, parsed once for all the tests here."""
    return tuple(ast.walk(ast.parse(path.read_text())))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in _nodes(path):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _sources(*roots: Path) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.py"))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _touches_aws(path: Path) -> bool:
    return path.is_relative_to(LIBRARY) and path.relative_to(LIBRARY).parts[0] in MAY_TOUCH_AWS


@pytest.mark.parametrize(
    "path",
    [p for p in _sources(LIBRARY, ROOT / "functions", ROOT / "cli") if not _touches_aws(p)],
    ids=_relative,
)
def test_only_adapters_and_the_wiring_import_boto3_or_the_adapters(path: Path) -> None:
    # GIVEN a module of the library (neither an adapter nor the wiring), a handler or the CLI
    # THEN it imports neither boto3/botocore nor an adapter
    imports = _imports(path)
    assert not {name for name in imports if name.split(".")[0] in AWS_PACKAGES}
    assert not {name for name in imports if name.startswith("backup_relay.adapters")}


@pytest.mark.parametrize("path", _sources(ROOT / "functions"), ids=_relative)
def test_handlers_reach_the_library_only_through_the_wiring(path: Path) -> None:
    library = {name for name in _imports(path) if name.startswith("backup_relay")}
    assert library <= {
        "backup_relay",  # from backup_relay import wiring
        "backup_relay.observability",
        "backup_relay.copy_chain.steps",  # StepRequest, the state machine's request
        "backup_relay.copy_chain.bring_back",  # BringBackRequest
        "backup_relay.replay.failed_copies",  # ReplayRequest
    }


def test_the_lambda_layer_does_not_reference_the_sandbox_or_the_cli() -> None:
    for path in _sources(LIBRARY):
        assert not {
            name
            for name in _imports(path)
            if name.startswith(("backup_relay_sandbox", "backup_relay_cli"))
        }, _relative(path)


@pytest.mark.parametrize(
    "path", _sources(ROOT / "sandbox", ROOT / "tests" / "support"), ids=_relative
)
def test_the_sandbox_and_the_test_support_do_not_import_the_cli(path: Path) -> None:
    # GIVEN a module of the sandbox (whose demo the CLI runs) or of the tests' shared support
    # THEN it imports nothing of backup_relay_cli: the CLI renders what the demo runs, and the
    # settings' defaults come from the library (backup_relay.template_parameters)
    assert not {name for name in _imports(path) if name.startswith("backup_relay_cli")}


def _module(path: Path) -> str:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _library_graph() -> dict[str, set[str]]:
    """Each library module and the library modules it imports, type-only imports included
    (`from backup_relay.x import y` counts `backup_relay.x.y` when that is a module)."""
    modules = {_module(path): path for path in _sources(LIBRARY)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in _nodes(path):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    deps.add(child if child in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {dep for dep in deps if dep in modules and dep != name}
    return graph


def test_the_library_has_no_import_cycle() -> None:
    # GIVEN every import of the library, those under TYPE_CHECKING too
    graph = _library_graph()
    # WHEN they are ordered THEN an order exists: no module reaches itself through its imports
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def test_the_domain_core_imports_nothing_else_of_the_library() -> None:
    # GIVEN the modules of backup_relay.domain
    for name, deps in _library_graph().items():
        if name.startswith("backup_relay.domain"):
            # THEN they import only one another
            outside = {dep for dep in deps if not dep.startswith("backup_relay.domain")}
            assert not outside, f"{name} imports {sorted(outside)}"


FEATURES = (
    "collect",
    "copy_chain",
    "alerts",
    "replay",
    "restore",
    "status",
    "coverage",
    "doctor",
    "security_findings",
)
GLUE = (
    "adapters",
    "wiring",
    "settings",
    "stack_environment",
    "template_parameters",
    "observability",
)


def test_features_do_not_import_the_glue() -> None:
    # GIVEN a feature package (its use cases and its ports)
    for name, deps in _library_graph().items():
        if name.count(".") and name.split(".")[1] in FEATURES:
            # THEN it imports neither adapters nor the wiring, settings (the environment, the
            # template's parameters) or observability
            glue = {dep for dep in deps if dep.split(".")[1] in GLUE}
            assert not glue, f"{name} imports {sorted(glue)}"


#: A module a newcomer reads in one sitting; the simulator's modules model AWS Backup's API
#: and are exempt (docs/simulator.md), as are the tests.
MAX_MODULE_LINES = 400


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in _sources(
            LIBRARY, ROOT / "functions", ROOT / "cli", ROOT / "sandbox", ROOT / "scripts"
        )
        if "backup_sim" not in p.parts
    ],
    ids=_relative,
)
def test_no_module_is_longer_than_one_sitting(path: Path) -> None:
    # GIVEN a module outside the tests and the simulator THEN it has at most 400 lines
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES
