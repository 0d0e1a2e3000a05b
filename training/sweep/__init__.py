"""Design-space sweeps: accuracy against energy and IP cycles, on Optuna's multi-objective search.

A sweep trains many networks, each a point of a search space (:mod:`.space`), and
scores each on three objectives (:mod:`.objectives`), measured on the bit-exact
emulator over a validation split carved out of the training split (never the test
split):

* maximise the 4-bit accuracy;
* minimise the estimated energy per sample, nJ (``host/energy.py``'s presets);
* minimise the IP's cycles per sample (``overlay/cycles.py``'s exact model).

A network that does not fit the chip's limits (:mod:`.limits`) is pruned before any
training. The trials live in an Optuna study (:mod:`.study`) in a database
(:mod:`.storage`): SQLite by default, PostgreSQL when several machines share one
study. Workers (:mod:`.worker`, :mod:`.run`) keep a heartbeat, so a worker that dies
mid-trial leaves a trial that the others fail and retry. The Pareto front is read
back as a table and a figure (:mod:`.front`, :mod:`.plot`), and any trial exported
as an artifact (:mod:`.export`).

The modules import Optuna and torch where they need them; this package's
``__init__`` imports nothing.
"""
