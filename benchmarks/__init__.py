"""Benchmarks of keras_ninr: thin scripts over functions the tests import."""
