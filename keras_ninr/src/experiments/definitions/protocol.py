"""The one shape of an experiment: what `keras-ninr reproduce` calls.

Every experiment of the kit (a sweep such as Fig. 2b, Fig. 3's phases, the
phase boundaries, a benchmark) and any a user writes is an object with:

- `name`, `summary` (one line for `--list`), `heading` (the page's title);
- `modes`: `{"full": Mode, "quick": Mode, "tiny": Mode}` (`modes.Mode`);
- `options`: `{name: Option}`, the settings beyond seeds, epochs and
  training images that a mode fixes and a user may change (the command's
  `--name` flags, `settings`' keywords);
- `run_options`: `{name: Option}`, keywords of `run` that say how it runs,
  not what (`--replicas`, `--executor`, ...); `{}` for most;
- optionally `methods` and `architectures`, the keys `--methods` and
  `--architectures` pick from;
- `settings(mode, **overrides)`: the mode's settings with the overrides,
  checked (a bad one raises `ValueError` before anything trains);
- `run(out, mode, *, data_dir=None, progress=True, command=None,
  **run_options_and_overrides)`: train what `<out>/results.jsonl` lacks,
  then write the page; returns a `Reproduction`;
- `write_page(out, mode, *, command=None, **overrides)`: the page from the
  runs already recorded, training nothing; returns a `Reproduction`.

`reproduce` reads these and nothing else: it never asks an experiment's
type. docs/experiments.md adds an experiment in one definition.
"""

import dataclasses

from keras_ninr.src import checks
from keras_ninr.src.experiments import flags


@dataclasses.dataclass(frozen=True)
class Option:
    """A setting of one experiment that its modes fix and a user may change.

    Attributes:
        help: One line for `--help`.
        type: The type of one value. Defaults to `str`.
        choices: Optional allowed values.
        multiple: Whether the setting is a list. Defaults to `True`.
        minimum: For an `int` or `float` option, the smallest value
            allowed. Defaults to `None` (any number).
        inclusive: Whether `minimum` itself is allowed. Defaults to `True`.
        default: The flag's value when not given (`run_options`; a
            setting's default is its mode's). Defaults to `None`.
    """

    help: str
    type: type = str
    choices: tuple = None
    multiple: bool = True
    minimum: object = None
    inclusive: bool = True
    default: object = None

    def check(self, value, name):
        """One value of the option, checked as `keras_ninr.src.checks` does."""
        if self.minimum is None:
            return value
        if self.type is int:
            return checks.check_int(value, name, self.minimum)
        return checks.check_number(value, name, self.minimum, self.inclusive)

    def check_setting(self, experiment, name, value):
        """Refuse a setting `name` of `experiment` that is not this option's:
        not a list where it takes several, a value outside `choices`, a
        non-number where it takes numbers, a number below `minimum`."""
        if value is None:
            return
        values = value if self.multiple else [value]
        if self.multiple and (isinstance(value, (str, bytes)) or not hasattr(value, "__iter__")):
            raise ValueError(
                f"Expected `{name}` of experiment {experiment!r} to be a list. "
                f"Received: {name}={value!r}"
            )
        for item in values:
            if self.choices is not None and item not in self.choices:
                raise ValueError(
                    f"Unrecognized `{name}` of experiment {experiment!r}. Expected "
                    f"some of {list(self.choices)}. Received: {name}={value!r}"
                )
            if self.type in (int, float) and (
                isinstance(item, bool) or not isinstance(item, (int, float))
            ):
                raise ValueError(
                    f"Expected `{name}` of experiment {experiment!r} to hold "
                    f"numbers. Received: {name}={value!r}"
                )
            self.check(item, name)

    def flag_type(self, name):
        """The argparse `type` of the option's flag."""
        if self.minimum is None:
            return self.type
        if self.type is int:
            return flags.integer(name, self.minimum)
        return flags.number(name, self.minimum, self.inclusive)

    def add_flag(self, parser, name):
        """Add `--name` (underscores as dashes) to an argparse parser."""
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=self.flag_type(name),
            help=self.help,
            choices=self.choices,
            nargs="+" if self.multiple else None,
            default=self.default,
        )


@dataclasses.dataclass
class Reproduction:
    """What `run` (or `write_page`) made: the records and the files written.

    `missing` counts the runs not recorded yet (for a sweep, those still
    training in another sweep writing the same results file, or, for
    `write_page`, not trained yet).
    """

    records: list
    written: list
    missing: int = 0
