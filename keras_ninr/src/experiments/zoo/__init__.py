"""The paper's networks, regularizations and optimizers (Sec. 3, App. A, C, D).

`build(architecture, regularization)` returns a ready-to-compile Keras model
that takes [0, 1] pixels: it starts with the paper's preprocessing,
`Standardization(pixel_mean, pixel_std)` (Sec. 3), so a saved `.keras` model
needs nothing else remembered. After the input:

| architecture | paper | layers |
| --- | --- | --- |
| `"fc"` | Fig. 2a | Flatten, Dense 1024 x3 (ReLU), Dense 10 |
| `"cnn"` | Fig. 2b | 2 x [Conv2D(32/64, 2x2) -> ELU -> BatchNorm -> MaxPool 2x2], Dense 2048 (ReLU), Dense 10 |
| `"vgg"` | App. D | 3 x [Conv2D 3x3 -> ReLU -> BN -> Conv2D 3x3 -> ReLU -> BN -> MaxPool -> Dropout .2/.3/.4] (32/64/128 filters, L2 1e-4 on convs), Dense 500 (ReLU), Dense 10 |
| `"fc1"` | Fig. 3 | Flatten, Dense 1024 (ReLU), Dense 10 |

| regularization | what it adds (App. A: "applied at/after each layer") |
| --- | --- |
| `"none"` | nothing |
| `"l2"` | `keras.regularizers.L2(5e-4)` on the kernel of every Dense and Conv layer |
| `"dropout"` | Dropout(0.5) after every hidden layer (after each conv block in the CNN) |
| `"cdt"` | `InputCorruption` before the standardisation: pixels corrupted by Eq. 8 at `cdt_sigma_noise` in training |
| `"in-ninr"` | a NIN on the input layer, after the standardisation (`NINRModel.from_model(topology="input")`) |
| `"full-ninr"` | a NIN on every layer (`topology="full"`), all fed by one eps per sample (`shared_noise=True`) |

The modules, each with the choices it makes where the paper is silent or
ambiguous:

- `networks`: the architectures (`fc_network`, `cnn_network`,
  `vgg_network`): the CNN's filters, App. A's initialisation, the VGG's
  built-in regularization.
- `presets`: the paper's numbers: sigma_eps presets (`noise_preset`),
  learning rates, batch sizes, and how its L2 coefficients become Keras
  `L2` regularizers (`l2_coefficient`).
- `models`: a network with a regularization (`build`), compiled as the
  paper trains (`make_optimizer`, `compile_model`).
"""

from keras_ninr.src.experiments.zoo.models import ARCHITECTURES
from keras_ninr.src.experiments.zoo.models import OPTIMIZERS
from keras_ninr.src.experiments.zoo.models import REGULARIZATIONS
from keras_ninr.src.experiments.zoo.models import build
from keras_ninr.src.experiments.zoo.models import compile_model
from keras_ninr.src.experiments.zoo.models import make_optimizer
from keras_ninr.src.experiments.zoo.networks import cnn_network
from keras_ninr.src.experiments.zoo.networks import fc_network
from keras_ninr.src.experiments.zoo.networks import vgg_network
from keras_ninr.src.experiments.zoo.presets import BATCH_SIZES
from keras_ninr.src.experiments.zoo.presets import DROPOUT_RATE
from keras_ninr.src.experiments.zoo.presets import L2_READINGS
from keras_ninr.src.experiments.zoo.presets import LEARNING_RATES
from keras_ninr.src.experiments.zoo.presets import MEASURED_LARGEST_SAFE
from keras_ninr.src.experiments.zoo.presets import NOISE_PRESETS
from keras_ninr.src.experiments.zoo.presets import PRESETS
from keras_ninr.src.experiments.zoo.presets import VGG_CONV_L2
from keras_ninr.src.experiments.zoo.presets import WEIGHT_DECAY
from keras_ninr.src.experiments.zoo.presets import l2_coefficient
from keras_ninr.src.experiments.zoo.presets import noise_preset
