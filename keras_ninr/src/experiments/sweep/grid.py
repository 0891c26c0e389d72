"""Grids of runs: the sweeps of Figs. 2, 6-9 and Tables 1-2 as
`RunConfig`s (methods x seeds x sigma_eps x data set x architecture), and
which of them train together as replicas.
"""

import json

from keras_ninr.src.experiments.sweep.config import NINR_REGULARIZATIONS
from keras_ninr.src.experiments.sweep.config import RunConfig

# Fields in which runs trained as replicas of one another may differ.
# Not `shared_noise` or `weight_decay`: they change the network (one noise
# source or one per NIN, the regularizers), which replicas share.
REPLICA_FIELDS = (
    "seed",
    "noise_stddev",
    "noise_distribution",
    "cdt_sigma_noise",
    "evaluations",
    "attack_size",
    "label",
)


def expand_grid(
    methods,
    *,
    seeds=(0,),
    noise_stddevs=("decay",),
    datasets=("fashion_mnist",),
    architectures=("fc",),
    **fields,
):
    """The configs of a grid, in the order a sweep should run them.

    The order is data set, architecture, seed, method, sigma_eps (the
    fastest), so that a sweep stopped early has every method for its first
    seeds rather than every seed of its first methods.

    Args:
        methods: Iterable of methods, each a regularization name
            (`"none"`, `"l2"`, `"dropout"`, `"cdt"`, `"in-ninr"`,
            `"full-ninr"`) or a dict of `RunConfig` fields (e.g.
            `{"regularization": "in-ninr", "noise_stddev": 133.0,
            "label": "in-NINR (catapult)"}`).
        seeds: Iterable of ints. Defaults to `(0,)`.
        noise_stddevs: sigma_eps values (floats or preset names) for the
            NINR methods that do not fix their own. Defaults to
            `("decay",)`.
        datasets: Iterable of data set names. Defaults to
            `("fashion_mnist",)`.
        architectures: Iterable of architecture names. Defaults to
            `("fc",)`.
        **fields: Further `RunConfig` fields shared by every config (e.g.
            `epochs=20`, `train_size=5000`, `evaluations={...}`); a method
            dict overrides them.

    Returns:
        A list of `RunConfig`s without duplicates (by `run_id`).
    """
    for name, value in (
        ("seeds", seeds),
        ("noise_stddevs", noise_stddevs),
        ("datasets", datasets),
        ("architectures", architectures),
        ("methods", methods),
    ):
        if isinstance(value, (str, bytes, dict)) or not hasattr(
            value, "__iter__"
        ):
            raise ValueError(
                f"Expected `{name}` to be a list. Received: {name}={value!r}"
            )
    methods = [
        {"regularization": method} if isinstance(method, str) else method
        for method in methods
    ]
    for method in methods:
        if not isinstance(method, dict) or "regularization" not in method:
            raise ValueError(
                "Expected each method to be a regularization name or a dict "
                "of RunConfig fields with a 'regularization'. Received: "
                f"{method!r}"
            )
    configs = []
    seen = set()
    for dataset in datasets:
        for architecture in architectures:
            for seed in seeds:
                for method in methods:
                    sigmas = [None]
                    if (
                        method["regularization"] in NINR_REGULARIZATIONS
                        and "noise_stddev" not in method
                    ):
                        sigmas = list(noise_stddevs)
                    for sigma in sigmas:
                        arguments = dict(
                            fields,
                            dataset=dataset,
                            architecture=architecture,
                            seed=seed,
                        )
                        arguments.update(method)
                        if sigma is not None:
                            arguments["noise_stddev"] = sigma
                        config = RunConfig(**arguments)
                        if config.run_id not in seen:
                            seen.add(config.run_id)
                            configs.append(config)
    return configs


def replica_key(config):
    """What runs trained as replicas of one another share: `config`
    without `REPLICA_FIELDS`, as text."""
    fields = config.to_dict()
    for name in REPLICA_FIELDS:
        fields.pop(name)
    return json.dumps(fields, sort_keys=True)
