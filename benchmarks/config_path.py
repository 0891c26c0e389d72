"""The path of a run's config through the kit: returns and climbs (issue 22).

Trains one tiny real run (the paper's FC cut to 16 hidden units, in-NINR at
the decay preset, a few hundred Fashion-MNIST images, 1 epoch, clean
accuracy and a corruption curve) through
`keras_ninr.src.experiments.sweep.executors.train_group` under
`sys.setprofile`, follows the calls that carry the run's `RunConfig`, and
counts how often that path goes back to a module it has left and how
often it climbs to a higher floor of the house.

Definitions (the numbers depend on them; every count below uses these):

- **Carrier.** A call of a function defined in a `keras_ninr` file whose
  arguments (positional, keyword-only, `*args`, `**kwargs`, and `self`),
  as bound when the call begins, include the run's `RunConfig` object
  itself, or a list, tuple or dict (its values) holding it, one level
  deep. A `RunConfig` method or property is a carrier (`self` is the
  config).
- **Path.** Every carrier, and every call that a carrier's frame makes
  directly into a function defined in a `keras_ninr` file (a hand-off: the
  config's values, or what was made from them, passed on), in the order
  the calls begin. A hand-off is not followed further unless it is itself
  a carrier. A list, dict or set comprehension is part of the function
  around it (as Python 3.12 inlines it), a generator's resumption is not
  a call; code outside
  `keras_ninr` (Keras, the standard library, a dataclass's generated
  methods) is not on the path, so what Keras calls back during `fit` is
  not either. The entry is `train_group([config], None, DataCache())`.
- **Module.** The `keras_ninr` file of the called function, e.g.
  `experiments/sweep/data.py` (re-export modules never define the
  functions, so the path names the files that do).
- **Visit.** A maximal run of consecutive path steps in one module.
  **Returns**: visits to a module that an earlier visit already entered
  (entering a module again after having left it), i.e. the sum over
  modules of their visits less one.
- **Floor.** From the static import graph of the measured tree's
  `keras_ninr` package: an edge from a module to each `keras_ninr` module
  its module-level import statements name (`from a.b import c` names
  `a.b.c` if that is a module, else `a.b`; not the parent packages Python
  also loads; not imports inside functions). A module is above every
  module it imports; its floor is the length of the longest import chain
  below it (0 for a module importing no `keras_ninr` module; modules in an
  import cycle share the floor of the cycle).
- **Climb.** A path step whose module is on a higher floor than its
  caller's: for a hand-off the carrier that made it, for a carrier the
  nearest `keras_ninr` frame below it on the stack. A module can only
  call up through an object handed to it (a config's method, a
  callback), so climbs are rare. **Climbs of the walk**: visits on a
  higher floor than the visit before them, the path read as a walk
  through the floors (a caller's next step after a call to a lower floor
  returned counts when it goes up again).

Run from the repository root, with `PYTHONPATH` naming the tree measured:

    PYTHONPATH=. KERAS_BACKEND=tensorflow \\
        KERAS_NINR_DATA_DIR=/path/to/data python benchmarks/config_path.py \\
        --label "Now"

It prints the counts and replaces the section `## <label>` of
`benchmarks/results/config_path.md` (`--out` for another file).
"""

import argparse
import ast
import collections
import datetime
import inspect
import os
import pathlib
import shlex
import subprocess
import sys

DEFAULT_OUT = (
    pathlib.Path(__file__).resolve().parent / "results" / "config_path.md"
)
PREAMBLE = """\
# The path of a run's config through the kit

Returns (entering a module again after having left it) and climbs (a call
into a module on a higher floor of the import graph) of the calls that
carry one run's `RunConfig`, from `executors.train_group` through training
and evaluation. Written by `benchmarks/config_path.py` (its docstring
defines every term), one section per measured tree; a rerun replaces its
own section only.
"""

_COMPREHENSIONS = ("<listcomp>", "<dictcomp>", "<setcomp>")
_GENERATOR_FLAGS = (
    inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
)


def package_modules(package_dir):
    """`{module name: file}` of every Python file under `package_dir`."""
    package_dir = pathlib.Path(package_dir)
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir).with_suffix("")
        parts = (package_dir.name,) + relative.parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _module_level(body):
    """The statements run at import: a module's body, into `if`, `try`
    and `with` blocks, not into functions or classes."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)


def import_graph(package_dir):
    """`{module: set of keras_ninr modules its module-level imports name}`."""
    modules = package_modules(package_dir)
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _module_level(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = alias.name
                    while target and target not in modules:
                        target = target.rpartition(".")[0]
                    if target:
                        edges.add(target)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + is_package]
                    if node.module:
                        base.append(node.module)
                    source = ".".join(base)
                else:
                    source = node.module
                for alias in node.names:
                    if f"{source}.{alias.name}" in modules:
                        edges.add(f"{source}.{alias.name}")
                    elif source in modules:
                        edges.add(source)
        edges.discard(name)
        graph[name] = edges
    return graph


def floors(graph):
    """`{module: floor}`: the longest import chain below each module, an
    import cycle (a strongly connected component) counted as one module."""
    index, low, on_stack, stack, component = {}, {}, set(), [], {}
    counter = [0]

    def connect(node):  # Tarjan's strongly connected components.
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for child in graph[node]:
            if child not in index:
                connect(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component[member] = node
                if member == node:
                    break

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in graph:
        if node not in index:
            connect(node)
    members = collections.defaultdict(set)
    for node, root in component.items():
        members[root].add(node)
    floor_of = {}

    def floor(root):
        if root not in floor_of:
            below = {
                component[child]
                for node in members[root]
                for child in graph[node]
            } - {root}
            floor_of[root] = 1 + max(map(floor, below)) if below else 0
        return floor_of[root]

    return {node: floor(component[node]) for node in graph}


class ConfigPathTracer:
    """A `sys.setprofile` function that records the path of `config`.

    `steps` holds `(module, function, caller_module, carries)` for each
    call on the path (see the module docstring), in the order the calls
    begin; `carries` is whether the call carries the config.
    """

    def __init__(self, config, package_dir):
        self.config = config
        self.package_dir = str(pathlib.Path(package_dir).resolve())
        self.package_name = pathlib.Path(package_dir).name
        self.steps = []
        self._carriers = set()
        self._files = {}

    def module_of(self, code):
        """The module (path under the package) of `code`, or `None`."""
        filename = code.co_filename
        if filename not in self._files:
            path = os.path.realpath(filename)
            module = None
            if path.startswith(self.package_dir + os.sep):
                module = os.path.relpath(path, self.package_dir)
            self._files[filename] = module
        return self._files[filename]

    def _holds(self, value):
        config = self.config
        if value is config:
            return True
        if isinstance(value, (list, tuple)):
            return any(item is config for item in value)
        if isinstance(value, dict):
            return any(item is config for item in value.values())
        return False

    def _carries(self, frame):
        code = frame.f_code
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & inspect.CO_VARARGS)
        count += bool(code.co_flags & inspect.CO_VARKEYWORDS)
        names = code.co_varnames[:count]
        local = frame.f_locals
        for name in names:
            value = local.get(name)
            if self._holds(value):
                return True
        return False

    def _caller_module(self, frame):
        caller = frame.f_back
        while caller is not None:
            module = self.module_of(caller.f_code)
            if module is not None:
                return module
            caller = caller.f_back
        return None

    def __call__(self, frame, event, arg):
        if event == "return":
            self._carriers.discard(frame)
            return
        if event != "call":
            return
        code = frame.f_code
        module = self.module_of(code)
        if module is None or code.co_flags & _GENERATOR_FLAGS:
            return
        if code.co_name in _COMPREHENSIONS:
            # Part of the function around it (inlined since Python 3.12).
            if frame.f_back in self._carriers:
                self._carriers.add(frame)
            return
        function = getattr(code, "co_qualname", code.co_name)
        if self._carries(frame):
            self._carriers.add(frame)
            self.steps.append(
                (module, function, self._caller_module(frame), True)
            )
        elif frame.f_back in self._carriers:
            caller = self.module_of(frame.f_back.f_code)
            self.steps.append((module, function, caller, False))


def module_name(module, package="keras_ninr"):
    """`src/experiments/sweep/data.py` ->
    `keras_ninr.src.experiments.sweep.data`."""
    parts = pathlib.PurePath(module).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((package,) + parts)


def shown(module):
    """A module as the results name it: its file under `keras_ninr/src`
    (`experiments/sweep/data.py`), or under `keras_ninr` if outside."""
    prefix = "src" + os.sep
    return module[len(prefix) :] if module.startswith(prefix) else module


def count_path(steps, floor_of, package="keras_ninr"):
    """The counts of a path: visits, returns, climbs and visits per module.

    Args:
        steps: `ConfigPathTracer.steps`.
        floor_of: `{module name: floor}` (`floors`).
        package: The name of the package the steps' modules lie in.

    Returns:
        A dict with `visits` (a list of `(module, [(function, carries,
        climb)])`, one per visit), `returns`, `climbs`, `steps`,
        `carriers`, `per_module` (`{module: visits}`) and `floors`
        (`{module: floor}` of the modules on the path).
    """

    def floor(module):
        return floor_of[module_name(module, package)]

    visits = []
    climbs = 0
    for module, function, caller, carries in steps:
        climb = caller is not None and floor(module) > floor(caller)
        climbs += climb
        if not visits or visits[-1][0] != module:
            visits.append((module, []))
        visits[-1][1].append((function, carries, climb))
    per_module = collections.Counter(module for module, _ in visits)
    walk_climbs = sum(
        floor(after) > floor(before)
        for (before, _), (after, _) in zip(visits, visits[1:])
    )
    return {
        "visits": visits,
        "returns": sum(count - 1 for count in per_module.values()),
        "climbs": climbs,
        "walk_climbs": walk_climbs,
        "steps": len(steps),
        "carriers": sum(carries for *_, carries in steps),
        "per_module": dict(per_module.most_common()),
        "floors": {module: floor(module) for module in per_module},
    }


def trace_run(
    data_dir=None, regularization="in-ninr", train_size=256, test_size=128
):
    """Train and evaluate one tiny run under the tracer.

    Returns:
        `(steps, record, package_dir)`: the tracer's steps, the run's
        record and the folder of the `keras_ninr` measured.
    """
    import keras_ninr
    from keras_ninr.src.experiments.sweep.config import RunConfig
    from keras_ninr.src.experiments.sweep.data import DataCache
    from keras_ninr.src.experiments.sweep.executors import train_group

    config = RunConfig(
        dataset="fashion_mnist",
        architecture="fc",
        regularization=regularization,
        epochs=1,
        target_accuracy=None,
        train_size=train_size,
        test_size=test_size,
        evaluations={"clean": True, "corruption_curve": (0.0, 0.5)},
        architecture_kwargs={"hidden_units": (16,)},
    )
    package_dir = pathlib.Path(keras_ninr.__file__).resolve().parent
    data = DataCache(data_dir)
    data.raw(config.dataset)  # Loaded before the trace: not the path's.
    tracer = ConfigPathTracer(config, package_dir)
    sys.setprofile(tracer)
    try:
        (record,) = train_group([config], None, data)
    finally:
        sys.setprofile(None)
    return tracer.steps, record, package_dir


def format_path(counts):
    """The path as a Markdown list, one line per visit."""
    lines = []
    seen = set()
    for number, (module, calls) in enumerate(counts["visits"], 1):
        mark = " (return)" if module in seen else ""
        seen.add(module)
        runs = []  # Repeats of one call in a row, as `[call, count]`.
        for call in calls:
            if runs and runs[-1][0] == call:
                runs[-1][1] += 1
            else:
                runs.append([call, 1])
        named = ", ".join(
            ("↑ " if climb else "")
            + function
            + ("" if carries else " (hand-off)")
            + (f" ×{count}" if count > 1 else "")
            for (function, carries, climb), count in runs
        )
        floor = counts["floors"][module]
        lines.append(
            f"{number}. `{shown(module)}` (floor {floor}){mark}: {named}"
        )
    return "\n".join(lines)


def tree_description(package_dir):
    """`<short commit> (<date>: <subject>)` of the git tree holding
    `package_dir`, with `+ uncommitted changes` if it has any."""

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(package_dir), *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        described = git(
            "log", "-1", "--format=%h (%cd: %s)", "--date=iso-strict"
        )
        dirty = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return "not a git tree"
    if len(described) > 140:
        described = described[:137] + "...)"
    return described + (" + uncommitted changes" if dirty else "")


def results_section(label, counts, command, package_dir, record, floor_of):
    """The Markdown section `## <label>` of the results file: the tree,
    backend, machine, command and run, the counts, and the path."""
    import keras

    from keras_ninr.experiments import provenance

    rows = "\n".join(
        f"| `{shown(module)}` | {counts['floors'][module]} | {visits} |"
        for module, visits in counts["per_module"].items()
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    date = now.strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            f"## {label}",
            "",
            f"- Tree: `keras_ninr` at {tree_description(package_dir)}",
            f"- Backend: {keras.backend.backend()}",
            f"- Machine: {provenance.machine_description()}",
            f"- Versions: {provenance.library_versions()}",
            f"- Date: {date}",
            f"- Command: `{command}`",
            f"- Run: {record['label']}, {record['data']['train_size']} "
            f"training and {record['data']['test_size']} test images, "
            f"{record['epochs_run']} epoch, evaluations "
            f"{', '.join(record['evaluations'])}, run id {record['run_id']}",
            f"- Import graph: {len(floor_of)} modules, floors 0 to "
            f"{max(floor_of.values())}",
            "",
            f"**Returns: {counts['returns']}. Climbs: {counts['climbs']}.** "
            f"Climbs of the walk: {counts['walk_climbs']}. "
            f"{counts['steps']} calls on the path ({counts['carriers']} "
            f"carry the config), {len(counts['visits'])} visits to "
            f"{len(counts['per_module'])} modules.",
            "",
            "| module | floor | visits |",
            "| --- | ---: | ---: |",
            rows,
            "",
            "The path, one line per visit (`↑` a climb, `(hand-off)` a call "
            "made by a carrier that does not carry the config itself):",
            "",
            format_path(counts),
        ]
    )


def command_line(argv):
    """The command that ran this script with `argv` here."""
    import keras

    prefix = f"KERAS_BACKEND={keras.backend.backend()}"
    if os.environ.get("PYTHONPATH"):
        prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} {prefix}"
    script = "python benchmarks/config_path.py"
    return f"{prefix} {script} {shlex.join(argv)}".strip()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--label",
        default="Now",
        help="the results section's heading (default: Now)",
    )
    parser.add_argument(
        "--regularization",
        default="in-ninr",
        help="the run's method (default: in-ninr, at its decay preset)",
    )
    parser.add_argument("--train-size", type=int, default=256)
    parser.add_argument("--test-size", type=int, default=128)
    parser.add_argument("--data-dir", help="default: $KERAS_NINR_DATA_DIR")
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=DEFAULT_OUT,
        help="Markdown file whose section `## <label>` is replaced "
        "(default: benchmarks/results/config_path.md)",
    )
    parser.add_argument(
        "--print-only", action="store_true", help="write nothing"
    )
    args = parser.parse_args(argv)
    steps, record, package_dir = trace_run(
        args.data_dir, args.regularization, args.train_size, args.test_size
    )
    floor_of = floors(import_graph(package_dir))
    counts = count_path(steps, floor_of)
    section = results_section(
        args.label, counts, command_line(argv), package_dir, record, floor_of
    )
    print(section)
    if not args.print_only:
        from keras_ninr.experiments import provenance

        provenance.update_markdown_section(args.out, section, PREAMBLE)
        print(f"Wrote the section '## {args.label}' of {args.out}")
    return counts


if __name__ == "__main__":
    main()
