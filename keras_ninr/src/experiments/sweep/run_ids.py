"""A run's id: the hash of the fields of its config that tell runs apart.

A results file recognises a finished run by its `run_id`, so the hash
must not change for the records already written: fields newer than the
first results files are left out of it while they hold the value the
older records implied (`LEGACY_VALUES`).
"""

import hashlib
import json

from keras_ninr.src.experiments import zoo

# Fields newer than the first results files, with the value those files'
# records implied: `validation_split` (none), `shared_noise` (full-NINR's
# NINs drew their own eps) and `weight_decay` (App. A's 5e-4 read as SGD
# weight decay, a Keras L2(2.5e-4)). The one rule: such a field holding
# that value, or None (not used by the run), is left out of the hash.
LEGACY_VALUES = {
    "validation_split": None,
    "shared_noise": False,
    "weight_decay": zoo.l2_coefficient(zoo.WEIGHT_DECAY, "sgd"),
}


def _run_id(fields):
    """A 16-hex-digit hash of `hashed_fields(fields)`."""
    text = json.dumps(
        hashed_fields(fields), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def hashed_fields(config):
    """What of a config dict (`RunConfig.to_dict()`, or an older record's)
    tells runs apart: every field but `label`, less the newer fields that
    hold their legacy value (`LEGACY_VALUES`) or None."""
    return {
        name: value
        for name, value in config.items()
        if name != "label"
        and not (
            name in LEGACY_VALUES
            and (value is None or value == LEGACY_VALUES[name])
        )
    }
