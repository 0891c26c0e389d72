"""Replica-batched training: K runs of one network in one compiled step.

Why a twin layer per zoo layer (`layers.py`) rather than K Keras models'
variables stacked and one stateless call mapped over the replica axis
(measured for issue 22 on JAX, `jax.vmap` of `model.stateless_call` and
its gradient inside one `lax.scan` epoch; the paper's FC with in-NINR,
K = 4, 12,800 Fashion-MNIST images, batch 128, SGD, 2-core CPU, training
paused):

- Throughput: the mapped call took 3.86 s an epoch against 2.31 s for
  `fit_replicas` (4.44 against 3.13 s in a second run): 1.4-1.7x slower.
- Equality with the runs alone: replica 0 ended the epoch within 5e-8 of
  `fit_replicas`' weights, replicas 1-3 differed by up to 0.004-0.02 (the
  same with equal sigma_eps), so the replica-equivalence tests would not
  hold without finding why.
- What may differ between replicas: a replica group's runs differ in
  sigma_eps, the noise distribution and CDT's sigma_noise, which are layer
  attributes, not variables: one mapped call of one model has one value of
  each. The twins hold them per replica.

So the twins stay. The experiment's script is not part of the package.
"""
