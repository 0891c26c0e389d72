"""The paper's experiments as data: one definition per figure or table.

- `modes`: the full, quick and tiny settings of an experiment (`Mode`).
- `methods`: the methods of the paper's figures, with the zoo's presets.
- `sweep_experiment`: `SweepExperiment`, an experiment that is a sweep
  (Figs. 2, 6-9, Tables 1-2) and the page it writes.
- `phase_experiments`: Fig. 3 (the four phases) and the phase-boundary
  finder, which train with a `PhaseMonitor` rather than through a sweep.
- `paper`: the paper's definitions; `benchmarks`: MNIST-C and CIFAR-10-C
  (not in the paper); `registry`: `EXPERIMENTS`, `get`.
"""
