"""The package's import structure: the board runtime stands alone, and no module imports itself back.

* Every module of ``pynq_snn.overlay`` and ``pynq_snn.host`` (found with pkgutil, so a
  new module is covered without touching this file) imports in a fresh interpreter
  without loading training, quantization, torch, snnTorch, Brevitas, Optuna, NIR or
  pynq. The PYNQ driver module, which imports pynq by design, is the one left out.
* No chain of imports inside ``pynq_snn`` leads from a module back to itself. Every
  import counts, at module level or inside a function, except those under
  ``if TYPE_CHECKING:``, which never run.
"""
import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

PACKAGE = "pynq_snn"
RUNTIME_PACKAGES = ("pynq_snn.overlay", "pynq_snn.host")
#: The PYNQ driver imports pynq: the board backend, loaded only when it is asked for.
IMPORTS_PYNQ = {"pynq_snn.overlay.pynq_overlay"}
#: Packages the runtime must not load: pynq_snn's desktop side and the desktop libraries.
DESKTOP_ONLY = ("pynq_snn.training", "pynq_snn.quant", "torch", "snntorch", "brevitas", "pynq", "optuna", "nir",
                "nirtorch")

IMPORT_EVERY_RUNTIME_MODULE = """
import importlib, json, pkgutil, sys
names = []
for package_name in {packages!r}:
    package = importlib.import_module(package_name)
    names += [m.name for m in pkgutil.walk_packages(package.__path__, package_name + ".")]
for name in names:
    if name not in {skip!r}:
        importlib.import_module(name)
loaded = sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in {forbidden!r}))
print(json.dumps({{"modules": names, "loaded": loaded}}))
"""


def test_the_board_runtime_imports_no_desktop_module():
    code = IMPORT_EVERY_RUNTIME_MODULE.format(packages=RUNTIME_PACKAGES, skip=IMPORTS_PYNQ, forbidden=DESKTOP_ONLY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"pynq_snn.overlay.artifact", "pynq_snn.overlay.emulator", "pynq_snn.host.device"} <= set(report["modules"])
    assert report["loaded"] == [], f"importing the runtime loaded {report['loaded']}"


def package_modules(package: str = PACKAGE) -> Dict[str, Path]:
    """Every module of ``package`` by its import name, with its source file; nothing is executed."""
    spec = importlib.util.find_spec(package)
    modules = {package: Path(spec.origin)}
    todo = [(package, list(spec.submodule_search_locations))]
    while todo:
        prefix, paths = todo.pop()
        for info in pkgutil.iter_modules(paths, prefix + "."):
            folder = Path(info.module_finder.path)
            if info.ispkg:
                modules[info.name] = folder / info.name.rsplit(".", 1)[1] / "__init__.py"
                todo.append((info.name, [str(folder / info.name.rsplit(".", 1)[1])]))
            else:
                modules[info.name] = folder / (info.name.rsplit(".", 1)[1] + ".py")
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.stmt]:
    """The import statements under ``node`` that can run: ``if TYPE_CHECKING:`` bodies are skipped."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def imported_modules(name: str, source: Path, known: Set[str]) -> Set[str]:
    """The modules of ``known`` that module ``name`` imports (the deepest one each statement names)."""
    is_package = source.name == "__init__.py"
    found = set()
    for statement in _imports(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(statement, ast.Import):
            targets = [alias.name for alias in statement.names]
        else:
            base = statement.module or ""
            if statement.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                anchor = parts[: len(parts) - (statement.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in statement.names]
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name inside a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One import cycle as ``[a, b, ..., a]``, or None when the graph has none."""
    done: Set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path: List[str] = []
        on_path: Set[str] = set()
        stack: List[Tuple[str, Iterator[str]]] = []

        def enter(node: str) -> None:
            path.append(node)
            on_path.add(node)
            stack.append((node, iter(sorted(graph[node]))))

        enter(root)
        while stack:
            node, edges = stack[-1]
            target = next(edges, None)
            if target is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif target in on_path:
                return path[path.index(target):] + [target]
            elif target not in done:
                enter(target)
    return None


def test_the_package_has_no_import_cycle():
    modules = package_modules()
    for mapped in ("training", "quant", "overlay", "host"):
        assert f"{PACKAGE}.{mapped}" in modules, f"{PACKAGE}.{mapped} is not visible under {PACKAGE}/"
    graph = {name: imported_modules(name, path, set(modules)) for name, path in modules.items()}
    assert graph["pynq_snn.overlay.artifact"], "the import graph came out empty"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
