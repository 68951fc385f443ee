"""The apps' layers, read from the source with `ast`: each app imports only the apps below it, and no two
modules of ours import each other (directly or through others). See docs/architecture.md."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "gallery", "accounts", "uploads", "exports", "operations", "pichosting")

# What each app's code (not its tests or migrations) may import of ours. `pichosting` wires everything.
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "gallery": {"core"},
    "accounts": {"core", "gallery"},
    "uploads": {"core", "gallery"},
    "exports": {"core", "gallery"},
    "operations": {"core", "gallery"},
    "pichosting": {"core", "gallery", "accounts", "uploads", "exports", "operations"},
}


def code_files(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "tests" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
    ]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every absolute import in the file, at any depth (a function-level import counts as well)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in APPS}


def test_every_app_is_listed():
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert packages <= set(APPS), f"add {sorted(packages - set(APPS))} to MAY_IMPORT with its layer"


@pytest.mark.parametrize("app", APPS)
def test_app_imports_only_the_layers_below_it(app):
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in code_files(app)
        for name in imported_modules(path)
        if name.split(".")[0] not in MAY_IMPORT[app] | {app}
    )
    assert not wrong, "\n".join(wrong)


def test_no_module_cycles():
    modules = {module_name(path): path for app in APPS for path in code_files(app)}
    graph = {
        name: {target for target in imported_modules(path) if target in modules and target != name}
        for name, path in modules.items()
    }
    for name in graph:  # `from gallery import files` names the module gallery.files, not the package
        graph[name] = {target for target in graph[name] if not (ROOT / target.replace(".", "/")).is_dir()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" → ".join(cycle) for cycle in cycles)


def test_the_rule_catches_a_forbidden_import(tmp_path):
    """The reader sees imports inside functions too, so the layer test cannot be dodged that way."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from uploads.tasks import upload_job_process\n", encoding="utf-8")
    assert imported_modules(sample) == {"uploads.tasks", "uploads.tasks.upload_job_process"}
