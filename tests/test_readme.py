"""The README's opening: `pip install` first, then an example that runs."""

import re

import numpy as np

from tests.examples.conftest import ROOT


def code_blocks(language):
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_the_first_code_block_installs_the_package():
    text = (ROOT / "README.md").read_text()
    first = re.search(r"```\w*\n(.*?)```", text, flags=re.DOTALL).group(1)
    assert "pip install" in first


def test_the_first_python_example_trains_and_suppresses_the_niw(capsys):
    namespace = {}
    exec(code_blocks("python")[0], namespace)  # noqa: S102 - our own README
    norms = namespace["history"].history["niw_norm"]
    assert len(norms) == 5 and norms[-1] < norms[0]
    # The plain network's output: noise-free, the same on every call.
    model, x = namespace["model"], namespace["x"]
    np.testing.assert_array_equal(model.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0))
