"""The package's own corruption suite: MNIST-C's definitions at five severities.

The paper tests robustness to one corruption, the Gaussian noise of Eq. 8
(Sec. 3.2.1, `keras_ninr.robustness`), and to domain shift, MNIST to USPS
(Sec. 3.2.2). This suite widens the test offline, on any images, to 15
common corruptions, each at five severities: 12 of MNIST-C's 15 (Mu &
Gilmer), written after MNIST-C's code, and 3 that MNIST-C's code has from
ImageNet-C (Hendrycks & Dietterich) but its data set leaves out
(`gaussian_noise`, `gaussian_blur`, `contrast`). It lacks MNIST-C's
`dotted_line`, `zigzag` and `canny_edges`, which have no severities, and
its `fog` differs from MNIST-C's. So it is *not* MNIST-C: its numbers are
the package's own. The benchmarks themselves, on their released data, are
`keras_ninr.robustness.corruption_benchmark` (MNIST-C, CIFAR-10-C);
docs/benchmarks.md compares this suite with MNIST-C corruption by
corruption. `corruption_accuracy` evaluates a model on the suite,
`corruption_table` turns its results into Markdown.

Every corruption is a function `name(x, severity, seed=0)` on a batch of
images in pixel space, the space the models take: `x` of shape
`(N, H, W)` or `(N, H, W, C)`, floats in [0, 1]. It returns a new array of
the same shape and dtype, clipped to [0, 1]. Randomness comes only from
`np.random.default_rng(seed)`: the same seed gives the same corrupted
batch. Random parameters (angles, signs, noise
fields) are drawn per image, as MNIST-C draws them per image.

The parameters follow MNIST-C's code (`corruptions.py` of
google-research/mnist-c, itself mostly ImageNet-C's) wherever it has five
severities. The last column is the severity here that gives MNIST-C's data
set (made with its code's default severities; "-": not in MNIST-C's final
set of corruptions). Lengths are in pixels (MNIST-C's images are 28x28),
angles in radians.

| corruption | parameter | 1 | 2 | 3 | 4 | 5 | MNIST-C |
| --- | --- | --- | --- | --- | --- | --- | --- |
| `gaussian_noise` | stddev | 0.08 | 0.12 | 0.18 | 0.26 | 0.38 | - |
| `shot_noise` | photons | 60 | 25 | 12 | 5 | 3 | 5 |
| `impulse_noise` | amount | 0.03 | 0.06 | 0.09 | 0.17 | 0.27 | 4 |
| `gaussian_blur` | stddev | 1 | 2 | 3 | 4 | 6 | - |
| `glass_blur` | s, d, k | .7,1,2 | .9,2,1 | 1,2,3 | 1.1,3,2 | 1.5,4,2 | 1 |
| `motion_blur` | r, s | 10, 3 | 15, 5 | 15, 8 | 15, 12 | 20, 15 | 1 |
| `shear` | angle | 0.2 | 0.4 | 0.6 | 0.8 | 1.0 | 2 |
| `scale` | factor | 0.9 | 0.8 | 0.7 | 0.6 | 0.5 | 3 |
| `rotate` | angle | 0.2 | 0.4 | 0.6 | 0.8 | 1.0 | 2 |
| `translate` | pixels | 1 | 2 | 3 | 4 | 5 | 3 |
| `brightness` | shift | 0.1 | 0.2 | 0.3 | 0.4 | 0.5 | 5 |
| `contrast` | factor | 0.4 | 0.3 | 0.2 | 0.1 | 0.05 | - |
| `fog` | a, decay | 1.5, 2 | 2, 2 | 2.5, 1.7 | 2.75, 1.5 | 3, 1.4 | 5 |
| `spatter` | threshold | .7 | .675 | .65 | .625 | .6 | 3 |
| `stripe` | band | 2/28 | 4/28 | 7/28 | 10/28 | 13/28 | 3 |

The parameters:

- `gaussian_noise`: standard deviation of noise added to each value.
- `shot_noise`: photons per unit intensity, `Poisson(x * photons) / photons`.
- `impulse_noise`: fraction of values set to 0 or 1 (salt and pepper).
- `gaussian_blur`: standard deviation of the blur, in pixels.
- `glass_blur`: blur standard deviation `s`, largest swap distance `d`,
  passes `k` of local pixel swaps between two blurs.
- `motion_blur`: kernel radius `r` and standard deviation `s` of a one-sided
  trail, in pixels, at an angle drawn in [-45, 45] degrees.
- `shear`, `rotate`: angle in radians, its sign drawn per image.
- `scale`: factor by which the content shrinks about the centre.
- `translate`: shift in pixels along each axis, the signs drawn per image.
- `brightness`: added to the value channel of HSV.
- `contrast`: fraction of each image's contrast about its mean kept.
- `fog`: fog amplitude `a` and roughness decay of the fractal per octave
  (smaller is rougher).
- `spatter`: threshold of the blurred liquid field above which mud lies
  (lower is more mud); see `SPATTER_PARAMETERS`.
- `stripe`: width of the inverted band at each side, a fraction of the
  image width (2, 4, 7, 10, 13 of 28 columns).

Where this suite departs from MNIST-C, and why, is written in the module
of each family: `noise` (Gaussian, shot, impulse), `blur` (Gaussian, glass,
motion), `geometric` (shear, scale, rotate, translate and `warp_affine`),
`photometric` (brightness, contrast, fog, spatter, stripe); `suite` holds
the registry `CORRUPTIONS`, `get`, `apply`, `corruption_accuracy` and
`corruption_table`. Everything is computed with NumPy alone.

References:
    - Mu and Gilmer, MNIST-C: A Robustness Benchmark for Computer Vision,
      https://arxiv.org/abs/1906.02337
    - Hendrycks and Dietterich, Benchmarking Neural Network Robustness to
      Common Corruptions and Perturbations, https://arxiv.org/abs/1903.12261
"""

from keras_ninr.src.robustness.corruptions.blur import GAUSSIAN_BLUR_STDDEVS
from keras_ninr.src.robustness.corruptions.blur import GLASS_BLUR_PARAMETERS
from keras_ninr.src.robustness.corruptions.blur import MOTION_BLUR_PARAMETERS
from keras_ninr.src.robustness.corruptions.blur import gaussian_blur
from keras_ninr.src.robustness.corruptions.blur import glass_blur
from keras_ninr.src.robustness.corruptions.blur import motion_blur
from keras_ninr.src.robustness.corruptions.common import SEVERITIES
from keras_ninr.src.robustness.corruptions.common import check_images
from keras_ninr.src.robustness.corruptions.common import check_severity
from keras_ninr.src.robustness.corruptions.geometric import ROTATE_ANGLES
from keras_ninr.src.robustness.corruptions.geometric import SCALE_FACTORS
from keras_ninr.src.robustness.corruptions.geometric import SHEAR_ANGLES
from keras_ninr.src.robustness.corruptions.geometric import TRANSLATE_PIXELS
from keras_ninr.src.robustness.corruptions.geometric import rotate
from keras_ninr.src.robustness.corruptions.geometric import rotation_matrix
from keras_ninr.src.robustness.corruptions.geometric import scale
from keras_ninr.src.robustness.corruptions.geometric import shear
from keras_ninr.src.robustness.corruptions.geometric import translate
from keras_ninr.src.robustness.corruptions.geometric import warp_affine
from keras_ninr.src.robustness.corruptions.noise import GAUSSIAN_NOISE_STDDEVS
from keras_ninr.src.robustness.corruptions.noise import IMPULSE_NOISE_AMOUNTS
from keras_ninr.src.robustness.corruptions.noise import SHOT_NOISE_PHOTONS
from keras_ninr.src.robustness.corruptions.noise import gaussian_noise
from keras_ninr.src.robustness.corruptions.noise import impulse_noise
from keras_ninr.src.robustness.corruptions.noise import shot_noise
from keras_ninr.src.robustness.corruptions.photometric import BRIGHTNESS_SHIFTS
from keras_ninr.src.robustness.corruptions.photometric import CONTRAST_FACTORS
from keras_ninr.src.robustness.corruptions.photometric import FOG_PARAMETERS
from keras_ninr.src.robustness.corruptions.photometric import SPATTER_PARAMETERS
from keras_ninr.src.robustness.corruptions.photometric import STRIPE_FRACTIONS
from keras_ninr.src.robustness.corruptions.photometric import brightness
from keras_ninr.src.robustness.corruptions.photometric import contrast
from keras_ninr.src.robustness.corruptions.photometric import fog
from keras_ninr.src.robustness.corruptions.photometric import plasma_fractal
from keras_ninr.src.robustness.corruptions.photometric import spatter
from keras_ninr.src.robustness.corruptions.photometric import stripe
from keras_ninr.src.robustness.corruptions.suite import CORRUPTIONS
from keras_ninr.src.robustness.corruptions.suite import apply
from keras_ninr.src.robustness.corruptions.suite import corruption_accuracy
from keras_ninr.src.robustness.corruptions.suite import corruption_table
from keras_ninr.src.robustness.corruptions.suite import get
