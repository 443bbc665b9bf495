"""The layers of docs/architecture.md, checked on the source: imports only point down.

Every ``import`` in ``src/backstride`` is read with ``ast`` (top-level and inside functions
alike: an import hidden in a function is still a dependency), then:

- ``core/`` imports nothing of Django and nothing of Backstride outside ``core/``;
- ``lib/`` and ``pose/`` (plumbing at the same layer) import only ``core/``, ``lib/`` and ``pose/``;
- ``pose/worker.py`` runs inside the estimator's own virtualenv: stdlib, numpy, cv2, mediapipe;
- no app imports ``web`` (the site shell at the top), except ``web`` itself;
- no two modules import each other, directly or through others (no cycles).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "backstride"
# Entry points and configuration sit above every layer.
TOP = {"backstride.urls", "backstride.settings", "backstride.settings_test", "backstride.cli"}
# Packages that sit at the lib layer under another name.
LIB_LAYER = {"pose"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and "management" not in p.parts
    }


def imports_of(name: str, path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            for alias in node.names:  # `from backstride.x import services` names a module
                yield f"{target}.{alias.name}"


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for target in imports_of(name, path):
            if (target in known and target != name) or target.startswith(
                ("django", "ninja", "csp", "axes")
            ):
                targets.add(target)
        edges[name] = targets
    return edges


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in LIB_LAYER:
        return "lib"
    return parts[1] if len(parts) > 1 else ""


def imports_where(
    importer: Callable[[str], bool], imported: Callable[[str], bool]
) -> set[tuple[str, str]]:
    """Each (module, what it imports) where the module is an ``importer`` and what it imports
    is ``imported``: the imports a rule forbids, empty when the rule holds."""
    return {
        (name, target)
        for name, targets in graph().items()
        if importer(name)
        for target in targets
        if imported(target)
    }


def test_core_imports_no_django_and_nothing_above_it() -> None:
    bad = imports_where(
        lambda name: layer(name) == "core",
        lambda target: (
            target.startswith(("django", "ninja"))
            or (target.startswith("backstride.") and layer(target) != "core")
        ),
    )
    assert bad == set()


def test_lib_imports_only_core_and_lib() -> None:
    bad = imports_where(
        lambda name: layer(name) == "lib",
        lambda target: target.startswith("backstride.") and layer(target) not in {"core", "lib"},
    )
    assert bad == set()


def test_the_pose_worker_imports_only_what_its_own_virtualenv_has() -> None:
    import sys

    worker = PACKAGE / "pose" / "worker.py"
    roots = {t.split(".")[0] for t in imports_of("backstride.pose.worker", worker)}
    roots.discard("")
    allowed = set(sys.stdlib_module_names) | {"numpy", "cv2", "mediapipe"}
    assert roots - allowed == set()
    assert layer("backstride.pose") == "lib"


def test_no_app_imports_the_site_shell() -> None:
    bad = imports_where(
        lambda name: layer(name) not in {"web", ""} and name not in TOP,
        lambda target: target.startswith("backstride.web"),
    )
    assert bad == set()


#: Data rights sit above every domain app: only the entry points may import them.
PRIVACY_IMPORTERS = {"backstride.api.api"}


def test_only_the_entry_points_import_privacy() -> None:
    bad = imports_where(
        lambda name: (
            layer(name) not in {"privacy", "web", ""}
            and name not in TOP
            and name not in PRIVACY_IMPORTERS
        ),
        lambda target: target.startswith("backstride.privacy"),
    )
    assert bad == set()


#: Domain apps the clinician workspace reads; none of them may import it.
BELOW_CLINIC = {"rehab", "running", "activities", "accounts", "formcheck", "lib", "core"}


def test_the_apps_the_clinic_reads_do_not_import_it() -> None:
    bad = imports_where(
        lambda name: layer(name) in BELOW_CLINIC,
        lambda target: target.startswith("backstride.clinic"),
    )
    assert bad == set()


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles() -> None:
    edges = {
        name: {t for t in targets if t.startswith("backstride.")}
        for name, targets in graph().items()
        # A package's __init__ re-exporting its own modules is not a cycle between ideas.
    }
    for name in list(edges):
        if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists():
            edges[name] = {t for t in edges[name] if not t.startswith(name + ".")}
    assert find_cycles(edges) == []


def test_the_checker_sees_a_cycle_and_a_relative_import(tmp_path: Path) -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    pkg = tmp_path / "backstride" / "x"
    pkg.mkdir(parents=True)
    (pkg / "tasks.py").write_text("from .services import go\n")
    found = set(imports_of("backstride.x.tasks", pkg / "tasks.py"))
    assert "backstride.x.services" in found
