"""What every result file names: machine, backend, versions."""

from keras_ninr.src.experiments.provenance import accelerator_description
from keras_ninr.src.experiments.provenance import library_versions
from keras_ninr.src.experiments.provenance import machine
from keras_ninr.src.experiments.provenance import machine_description
from keras_ninr.src.experiments.provenance import update_markdown_section
from keras_ninr.src.experiments.provenance import versions

__all__ = [
    "accelerator_description",
    "library_versions",
    "machine",
    "machine_description",
    "update_markdown_section",
    "versions",
]
