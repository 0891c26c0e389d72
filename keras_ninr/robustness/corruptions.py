"""The package's own corruption suite (MNIST-C's definitions at five
severities, not MNIST-C itself; see `keras_ninr.src.robustness.corruptions`),
on [0, 1] pixels."""

from keras_ninr.src.robustness.corruptions import BRIGHTNESS_SHIFTS
from keras_ninr.src.robustness.corruptions import CONTRAST_FACTORS
from keras_ninr.src.robustness.corruptions import CORRUPTIONS
from keras_ninr.src.robustness.corruptions import FOG_PARAMETERS
from keras_ninr.src.robustness.corruptions import GAUSSIAN_BLUR_STDDEVS
from keras_ninr.src.robustness.corruptions import GAUSSIAN_NOISE_STDDEVS
from keras_ninr.src.robustness.corruptions import GLASS_BLUR_PARAMETERS
from keras_ninr.src.robustness.corruptions import IMPULSE_NOISE_AMOUNTS
from keras_ninr.src.robustness.corruptions import MOTION_BLUR_PARAMETERS
from keras_ninr.src.robustness.corruptions import ROTATE_ANGLES
from keras_ninr.src.robustness.corruptions import SCALE_FACTORS
from keras_ninr.src.robustness.corruptions import SEVERITIES
from keras_ninr.src.robustness.corruptions import SHEAR_ANGLES
from keras_ninr.src.robustness.corruptions import SHOT_NOISE_PHOTONS
from keras_ninr.src.robustness.corruptions import SPATTER_PARAMETERS
from keras_ninr.src.robustness.corruptions import STRIPE_FRACTIONS
from keras_ninr.src.robustness.corruptions import TRANSLATE_PIXELS
from keras_ninr.src.robustness.corruptions import apply
from keras_ninr.src.robustness.corruptions import brightness
from keras_ninr.src.robustness.corruptions import contrast
from keras_ninr.src.robustness.corruptions import corruption_accuracy
from keras_ninr.src.robustness.corruptions import corruption_table
from keras_ninr.src.robustness.corruptions import fog
from keras_ninr.src.robustness.corruptions import gaussian_blur
from keras_ninr.src.robustness.corruptions import gaussian_noise
from keras_ninr.src.robustness.corruptions import get
from keras_ninr.src.robustness.corruptions import glass_blur
from keras_ninr.src.robustness.corruptions import impulse_noise
from keras_ninr.src.robustness.corruptions import motion_blur
from keras_ninr.src.robustness.corruptions import rotate
from keras_ninr.src.robustness.corruptions import rotation_matrix
from keras_ninr.src.robustness.corruptions import scale
from keras_ninr.src.robustness.corruptions import shear
from keras_ninr.src.robustness.corruptions import shot_noise
from keras_ninr.src.robustness.corruptions import spatter
from keras_ninr.src.robustness.corruptions import stripe
from keras_ninr.src.robustness.corruptions import translate
from keras_ninr.src.robustness.corruptions import warp_affine

__all__ = [
    "BRIGHTNESS_SHIFTS",
    "CONTRAST_FACTORS",
    "CORRUPTIONS",
    "FOG_PARAMETERS",
    "GAUSSIAN_BLUR_STDDEVS",
    "GAUSSIAN_NOISE_STDDEVS",
    "GLASS_BLUR_PARAMETERS",
    "IMPULSE_NOISE_AMOUNTS",
    "MOTION_BLUR_PARAMETERS",
    "ROTATE_ANGLES",
    "SCALE_FACTORS",
    "SEVERITIES",
    "SHEAR_ANGLES",
    "SHOT_NOISE_PHOTONS",
    "SPATTER_PARAMETERS",
    "STRIPE_FRACTIONS",
    "TRANSLATE_PIXELS",
    "apply",
    "brightness",
    "contrast",
    "corruption_accuracy",
    "corruption_table",
    "fog",
    "gaussian_blur",
    "gaussian_noise",
    "get",
    "glass_blur",
    "impulse_noise",
    "motion_blur",
    "rotate",
    "rotation_matrix",
    "scale",
    "shear",
    "shot_noise",
    "spatter",
    "stripe",
    "translate",
    "warp_affine",
]
