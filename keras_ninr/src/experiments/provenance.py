"""Provenance of every result the kit writes: machine, backend, versions.

One home for the lines that a results file, a report and a benchmark put
beside their numbers (the house rule: every result names the machine, the
backend and the command), and for updating one section of a Markdown
results file in place.

Keras cannot tell which accelerator it computes on, so `accelerator_name`
asks the backend itself, as `keras_ninr.src.robustness.input_gradients`
does for its gradients: one branch per backend, each imported lazily.
"""

import importlib
import os
import pathlib
import platform
import sys

import keras
import numpy as np

import keras_ninr


def machine_description():
    """CPU model, CPU count and `platform.platform()`, as one line."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    logical = os.cpu_count()
    cores = f"{logical} logical CPUs"
    if hasattr(os, "sched_getaffinity"):
        usable = len(os.sched_getaffinity(0))
        if usable != logical:
            cores += f" ({usable} usable by this process)"
    return f"{cpu}, {cores}, {platform.platform()}"


def accelerator_name():
    """The backend's first accelerator, e.g. `"gpu: NVIDIA H200"`, or `"cpu"`."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        first = jax.devices()[0]
        if first.platform != "cpu":
            return f"{first.platform}: {first.device_kind}"
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"cuda: {torch.cuda.get_device_name(0)}"
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return f"gpu: {details.get('device_name', gpus[0].name)}"
    return "cpu"


def accelerator_description():
    """Name of the accelerator the backend computes on, or `None` on CPU."""
    name = accelerator_name()
    return None if name == "cpu" else name.split(": ", 1)[-1]


def library_versions():
    """Versions of Keras, of the active backend and of NumPy, as one line."""
    backend = keras.backend.backend()
    module = importlib.import_module(backend)
    backend_version = getattr(module, "__version__", "unknown")
    return (
        f"keras {keras.version()}, {backend} {backend_version}, "
        f"numpy {np.__version__}"
    )


def versions():
    """Versions of Python, Keras, the package, NumPy and the backend."""
    versions = {
        "python": platform.python_version(),
        "keras": keras.version(),
        "keras_ninr": keras_ninr.__version__,
        "numpy": np.__version__,
    }
    backend = keras.backend.backend()
    module = sys.modules.get(backend)
    if module is not None:
        versions[backend] = getattr(module, "__version__", None)
    return versions


def machine():
    """The host and the accelerator the backend computes on, in words."""
    try:  # Metadata only: a failure must not lose a finished run.
        device = accelerator_name()
    except Exception as error:  # noqa: BLE001
        device = f"unknown ({type(error).__name__})"
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "device": device,
    }


def update_markdown_section(path, section, preamble=""):
    """Write `section` into the Markdown file at `path`.

    A section with the same `## ` heading line is replaced in place; other
    sections and the text before the first section are kept. A missing file
    is created with a short introduction.
    """
    path = pathlib.Path(path)
    text = path.read_text() if path.exists() else preamble
    preamble = []
    sections = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line.strip()
            sections[heading] = []
        if heading is None:
            preamble.append(line)
        else:
            sections[heading].append(line)
    new_heading = section.splitlines()[0].strip()
    if not new_heading.startswith("## "):
        raise ValueError(
            "Expected `section` to start with a `## ` heading. "
            f"Received: {new_heading!r}"
        )
    sections[new_heading] = section.splitlines()
    blocks = ["\n".join(preamble).strip()]
    blocks += ["\n".join(lines).strip() for lines in sections.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(block for block in blocks if block) + "\n")
