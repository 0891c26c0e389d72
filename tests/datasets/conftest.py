import keras
import pytest


@pytest.fixture(autouse=True)
def downloads(monkeypatch):
    """Nothing is downloaded: every download fails loudly and is recorded.

    The tests of the download path replace `keras.utils.get_file` with a
    local stand-in.
    """
    calls = []

    def refuse(*args, **kwargs):
        calls.append((args, kwargs))
        raise RuntimeError("downloads are switched off in the tests")

    monkeypatch.setattr(keras.utils, "get_file", refuse)
    for module in ("mnist", "fashion_mnist", "cifar10"):
        keras_module = getattr(keras.datasets, module)
        monkeypatch.setattr(keras_module, "load_data", refuse)
    return calls


@pytest.fixture
def no_data_places(monkeypatch, tmp_path):
    """No environment folder and an empty Keras cache."""
    monkeypatch.delenv("KERAS_NINR_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path / "keras_home" / "datasets"


@pytest.fixture(autouse=True)
def no_tfds_data(monkeypatch, tmp_path):
    """TFDS's data folder is empty: no prepared data of the machine's."""
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tensorflow_datasets"))
