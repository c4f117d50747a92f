"""The package's layers (docs/architecture.md) hold: no module imports a higher layer.

engine < models < analysis < stages < workflow scripts. Every ``import``/``from … import`` of an
``eiplast`` module counts, including those inside functions.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SCRIPTS = ROOT / "workflow" / "scripts"

ENGINE, MODELS, ANALYSIS, STAGES, SCRIPT = range(5)
LAYER_NAMES = ("engine", "models", "analysis", "stages", "workflow scripts")

# longest matching prefix wins; the balanced package holds the Akil et al. model and, in four
# modules, the analyses of its runs
LAYERS = {
    "eiplast": ENGINE,  # the package root only sets up numba (eiplast/__init__.py)
    "eiplast.engine": ENGINE,
    "eiplast.assembly": MODELS,
    "eiplast.balanced": MODELS,
    "eiplast.balanced.stats": ANALYSIS,
    "eiplast.balanced.experiments": ANALYSIS,
    "eiplast.balanced.figures": ANALYSIS,
    "eiplast.balanced.scaling": ANALYSIS,
    "eiplast.analysis": ANALYSIS,
    "eiplast.stages": STAGES,
    "eiplast.config_coercion": STAGES,
    "eiplast.config_files": STAGES,
}


def layer_of(module):
    """Layer of a dotted ``eiplast`` module name (KeyError for an unlisted top-level name)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            if n == 1 and len(parts) > 1:
                raise KeyError(f"{module}: no layer assigned (add it to LAYERS)")
            return LAYERS[prefix]
    raise KeyError(module)


def module_name(path):
    relative = path.relative_to(SRC).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def package_of(path):
    """The package a module's relative imports start from."""
    relative = path.relative_to(SRC).with_suffix("")
    return ".".join(relative.parts[:-1])


def imported_modules(path, package):
    """Absolute names of the ``eiplast`` modules imported anywhere in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: level 1 is the importing module's own package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            found.append((node.lineno, name))
            # `from eiplast.engine import rng` imports the module eiplast.engine.rng
            found += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return [
        (line, name) for line, name in found if name == "eiplast" or name.startswith("eiplast.")
    ]


def violations(files):
    """Lines ``file:line: <module> (layer) imports <module> (higher layer)``."""
    problems = []
    for path, own_layer in files:
        package = package_of(path) if own_layer != SCRIPT else ""
        for line, target in imported_modules(path, package):
            target_layer = layer_of(target)
            if target_layer > own_layer:
                problems.append(
                    f"{path.relative_to(ROOT)}:{line}: {LAYER_NAMES[own_layer]} imports "
                    f"{target} ({LAYER_NAMES[target_layer]})"
                )
    return problems


def package_files():
    modules = sorted(SRC.joinpath("eiplast").rglob("*.py"))
    return [(p, layer_of(module_name(p))) for p in modules]


def test_every_module_has_a_layer():
    assert len(package_files()) > 30


def test_no_module_imports_a_higher_layer():
    files = package_files() + [(p, SCRIPT) for p in sorted(SCRIPTS.glob("*.py"))]
    assert violations(files) == []


@pytest.mark.parametrize(
    "layer, source, flagged",
    [
        ("eiplast/engine/bad.py", "from eiplast.analysis import replay\n", True),
        ("eiplast/engine/bad.py", "def f():\n    import eiplast.stages\n", True),
        ("eiplast/assembly/bad.py", "from ..analysis.figures import save_figure\n", True),
        ("eiplast/balanced/bad.py", "from eiplast.balanced import figures\n", True),
        ("eiplast/analysis/ok.py", "from eiplast.assembly import connectivity\n", False),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path, monkeypatch, layer, source, flagged):
    fake_src = tmp_path / "src"
    path = fake_src / layer
    path.parent.mkdir(parents=True)
    path.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake_src)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert bool(violations([(path, layer_of(module_name(path)))])) == flagged


def stage_call_problems(script):
    """Why ``script`` is not "one stage call" (empty list if it is): it must import one
    function from ``eiplast.stages`` and nothing else of eiplast, and its ``with logged(sm):``
    block must be that one call."""
    tree = ast.parse(script.read_text(), str(script))
    imported = [
        (node.module, alias.asname or alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eiplast")
        for alias in node.names
    ]
    imported += [
        (alias.name, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("eiplast")
    ]
    if len(imported) != 1 or not imported[0][0].startswith("eiplast.stages"):
        return [f"{script.name}: imports {imported}, not one function of eiplast.stages"]
    blocks = [node for node in tree.body if isinstance(node, ast.With)]
    body = blocks[0].body if len(blocks) == 1 else []
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Expr) else None
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == imported[0][1]):
        return [f"{script.name}: the logged block is not one call of {imported[0][1]}"]
    return []


def test_every_workflow_script_is_one_stage_call():
    scripts = [p for p in sorted(SCRIPTS.glob("*.py")) if p.name != "_common.py"]
    assert len(scripts) >= 18
    assert [problem for p in scripts for problem in stage_call_problems(p)] == []


@pytest.mark.parametrize(
    "source",
    [
        "from eiplast.analysis.replay import replay_row\nwith logged(sm):\n    replay_row(1)\n",
        "from eiplast.stages.replay import replay\nwith logged(sm):\n    x = 1\n    replay(x)\n",
        "from eiplast.stages.replay import replay\nimport eiplast.engine\n"
        "with logged(sm):\n    replay(1)\n",
    ],
)
def test_the_script_check_catches_more_than_one_stage_call(tmp_path, source):
    script = tmp_path / "bad.py"
    script.write_text(source)
    assert stage_call_problems(script)
