"""The package's three layers: what `import keras_ninr` loads, and what it
does not (the robustness toolkit, the loaders, the paper's kit, plotting)."""

import json
import os
import pathlib
import subprocess
import sys

import keras

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "keras_ninr"

PROBE = """
import json, sys
import keras
before = set(sys.modules)
import keras_ninr
added = sorted(set(sys.modules) - before)
print(json.dumps(added))
"""


def modules_added_by_import():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_loads_the_add_on_only():
    added = modules_added_by_import()
    ours = [m for m in added if m.startswith("keras_ninr")]
    assert "keras_ninr.src.layers.noise_injection_dense" in ours
    for higher in ("robustness", "datasets", "experiments"):
        assert not any(
            m.startswith(f"keras_ninr.{higher}")
            or m.startswith(f"keras_ninr.src.{higher}")
            for m in ours
        ), higher
    others = {m.split(".")[0] for m in added if not m.startswith("keras_ninr")}
    assert not others & {"matplotlib", "PIL", "tensorflow_datasets", "ray"}


def test_the_higher_layers_are_reachable_as_attributes():
    import keras_ninr

    assert keras_ninr.robustness.corrupted_accuracy is not None
    assert keras_ninr.datasets.Standardization is keras_ninr.Standardization
    assert keras_ninr.experiments.zoo.build is not None


def test_no_module_is_over_500_lines():
    # Past about 500 lines a module usually holds two concerns (STYLE.md).
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 500
    }
    assert long == {}


def test_import_registers_the_layers_but_the_command_waits_for_a_name():
    # A plain `import keras_ninr` registers the layers for `load_model`;
    # the `keras-ninr` command (issue 23) loads Keras only when a name of
    # the add-on is used.
    code = (
        "import sys\n"
        "if sys.argv[1:] == ['command']: sys.argv[0] = '/venv/bin/keras-ninr'\n"
        "import keras_ninr\n"
        "print('keras' in sys.modules)\n"
        "import keras\n"
        "print(keras.saving.get_registered_object("
        "'keras_ninr>NoiseInjectionDense') is not None)\n"
        "model_class = keras_ninr.NINRModel\n"
        "print(keras.saving.get_registered_object("
        "'keras_ninr>NoiseInjectionDense') is keras_ninr.NoiseInjectionDense)\n"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code, *argv],
            env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for argv in ([], ["command"])
    ]
    assert outputs == [["True", "True", "True"], ["False", "False", "True"]]


def test_argument_checks_have_one_home():
    # Integer, choice and boolean checks live in keras_ninr/src/checks.py,
    # which every layer of the package uses; no module writes its own.
    import re

    pattern = re.compile(
        r"^def _?check_(int|positive_int|positive_integer|choice|bool)\(", re.M
    )
    homes = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text())
    )
    assert homes == ["src/checks.py"]


def kit_imports():
    """`{(a, b)}`: a module of the kit's unit `a` (a top-level module or
    package of `keras_ninr/src/experiments`) imports one of unit `b`."""
    import ast

    kit = PACKAGE / "src" / "experiments"
    units = {p.stem for p in kit.glob("*.py")} | {p.name for p in kit.iterdir() if p.is_dir()}
    units -= {"__init__", "__pycache__"}
    edges = set()
    for path in kit.rglob("*.py"):
        source = path.relative_to(kit).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[:3] == ["keras_ninr", "src", "experiments"] and len(parts) > 3:
                    if parts[3] in units and parts[3] != source:
                        edges.add((source, parts[3]))
    return edges


def test_no_two_units_of_the_kit_import_each_other():
    # The kit's floors go one way (execution below replicas, reports below
    # the definitions); a pair importing each other is a cycle to break.
    edges = kit_imports()
    assert ("replicas", "execution") in edges  # the scan sees the imports
    cycles = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert cycles == []
