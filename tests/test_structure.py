"""The shape of the code: one-way imports, module size, and citations a reader can resolve.

Three rules a reviewer would otherwise check by hand:

* **Layers.** Every top-level unit of ``kinetor`` (subpackage or module) sits in a layer;
  it may import only from lower layers (any import, lazy ones inside functions included).
  A unit that needs something from its own layer or above is a design problem: move the
  shared piece down (``numerics``, ``_figures``) rather than import sideways.
* **Size.** A module over 400 lines says why in its docstring, with a sentence containing
  "over 400 lines".
* **Citations.** Code, data and docs cite papers (DOI/PMID, figure or table), never the
  project's internal notes or planning documents.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "kinetor"

# lowest first; a unit may import units of strictly lower layers only
LAYERS: list[set[str]] = [
    {"errors", "_lazy"},
    {"units", "limits", "_figures"},
    {"numerics"},  # quantities with units (kinetor.numerics.params) read kinetor.units
    {"data", "compounds"},
    {"nca", "pk", "pd", "bioanalysis", "adme", "be"},
    {"popfit", "pathway", "report"},  # report reads NCA summaries from kinetor.nca
    {"screens", "assays", "qsar", "translate", "store"},  # store keeps reports (kinetor.report)
    {"mirna", "demo", "web"},
    {"cli"},
]
# data-only folders (no Python modules of their own that import anything)
DATA_ONLY = {"examples"}


def _layer_of() -> dict[str, int]:
    return {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _units() -> set[str]:
    found = {p.stem for p in PKG.glob("*.py") if p.name != "__init__.py"}
    found |= {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    return found


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path):
    """(imported top-level kinetor unit, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "kinetor":  # from kinetor import nca
                names = [f"kinetor.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}:{node.lineno}: relative import; use kinetor.<unit>")
        for name in names:
            parts = name.split(".")
            if parts[0] == "kinetor" and len(parts) > 1:
                yield parts[1], node.lineno


def test_every_unit_has_a_layer():
    layer = _layer_of()
    missing = sorted(_units() - set(layer) - DATA_ONLY)
    assert not missing, f"place these in LAYERS of tests/test_structure.py: {missing}"
    stale = sorted(set(layer) - _units())
    assert not stale, f"LAYERS names units that do not exist: {stale}"


def test_imports_go_down_the_layers():
    layer = _layer_of()
    wrong = []
    for path in sorted(PKG.rglob("*.py")):
        if path.parent == PKG and path.name == "__init__.py":
            continue  # the package root re-exports lazily (kinetor.__getattr__)
        me = _unit(path)
        for other, line in _imports(path):
            if other != me and other in layer and layer[other] >= layer[me]:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line}: {me} (layer {layer[me]}) "
                    f"imports {other} (layer {layer[other]})"
                )
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_the_package_root_imports_only_errors_eagerly():
    eager = {u for u, _ in _imports(PKG / "__init__.py")}
    assert eager <= {"errors", "_lazy"}, eager


def _backend_changes(path: Path):
    """(line, what) for every ``matplotlib.use(...)`` call and pyplot/pylab import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in ("matplotlib.pyplot", "pylab") or a.name.startswith(
                    "matplotlib.pylab"
                ):
                    yield node.lineno, f"import {a.name}"
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.startswith(("matplotlib.pyplot", "pylab", "matplotlib.pylab")) or (
                node.module == "matplotlib" and names & {"pyplot", "pylab", "use"}
            ):
                yield node.lineno, f"from {node.module} import {', '.join(sorted(names))}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "use"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("matplotlib", "mpl")
        ):
            yield node.lineno, f"{node.func.value.id}.use(...)"


def test_no_module_touches_pyplot_or_the_backend():
    """Figures come from kinetor._figures (object-oriented API): the user's backend and
    pyplot state are theirs."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sorted(PKG.rglob("*.py"))
        for line, what in _backend_changes(path)
    ]
    assert not found, "use kinetor._figures.new_figure / save_figure:\n" + "\n".join(found)


def test_backend_check_sees_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "from matplotlib import pyplot\n"
    )
    assert sorted(line for line, _ in _backend_changes(bad)) == [2, 3, 4]


def test_long_modules_say_why():
    missing = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 400:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "over 400 lines" not in doc:
            missing.append(f"{rel} ({text.count(chr(10))} lines)")
    assert not missing, (
        "say why in the module docstring ('... over 400 lines because ...') "
        "or split:\n" + "\n".join(missing)
    )


# references to the project's internal notes, which a reader of the package cannot resolve
INTERNAL = re.compile(
    r"seeds? ?(document )?0\d\d|seed-0\d\d|science\.md|pathway-model(\.md)?|"
    r"pk-data-conventions|DESIGN\.md|CONVENTIONS\.md|evidence-pointers|shared/(docs|seeds)/|"
    r"\bthe issue\b|\bissue's\b|\bissues? #?\d+\b",
    re.IGNORECASE,
)
# files allowed to cite internal notes: none (the list only shrinks)
CITATION_PENDING: set[str] = set()
CITATION_PENDING_DIRS: tuple[str, ...] = ()
TEXT = {".py", ".md", ".toml", ".csv", ".ant", ".txt", ".json", ".html", ".j2", ".tsv", ".yaml"}


def _cited_files():
    yield ROOT / "README.md"
    for top in ("src", "docs", "examples"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in TEXT and "__pycache__" not in path.parts:
                yield path


def test_no_reference_to_internal_notes():
    found = []
    for path in _cited_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in CITATION_PENDING or rel.startswith(CITATION_PENDING_DIRS):
            continue
        for n, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            m = INTERNAL.search(line)
            if m:
                found.append(f"{rel}:{n}: {m.group(0)!r}")
    assert not found, (
        "cite the paper (DOI/PMID, figure/table) instead of internal notes:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "text",
    [
        "as in seed 000",
        "science.md s5",
        "see the issue",
        "docs/pk-data-conventions.md",
        "seeds 001/002",
        "pathway-model.md",
        "as before issue 5",
    ],
)
def test_the_citation_rule_catches(text):
    assert INTERNAL.search(text)


def test_every_slow_entry_still_names_a_test():
    tree = ast.parse((ROOT / "conftest.py").read_text(encoding="utf-8"))
    slow = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "SLOW"
    )
    stale = []
    for entry in slow:
        path, _, name = entry.partition("::")
        if not (ROOT / path).is_file():
            stale.append(entry)
            continue
        if not name:
            continue
        last = name.rsplit(".", 1)[-1]  # doctest ids end with the function or module name
        text = (ROOT / path).read_text(encoding="utf-8")
        if f"def {last}(" not in text and not path.endswith(f"{last}.py"):
            stale.append(entry)
    assert not stale, f"SLOW entries in conftest.py that name no test: {stale}"
