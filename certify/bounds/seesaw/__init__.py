"""Quantum lower bounds by see-saw, with explicit strategies as witnesses.

A see-saw (Werner and Wolf, Quantum Inf. Comput. 1, 1 (2001),
arXiv:quant-ph/0102024; Liang and Doherty, Phys. Rev. A 75, 042103 (2007),
arXiv:quant-ph/0608128) maximises a game's value over quantum strategies of a
fixed local dimension by optimising one part (Alice's measurements, Bob's,
the state) at a time; every strategy it returns is a lower bound on the
quantum value, checked exactly by certify.proofs.seesaw.check_seesaw. One
module per idea:

- ``strategy``: the QuantumStrategy record (state, measurements, behaviour, JSON) and mixtures;
- ``steps``: the best measurement for fixed other parts (closed form for two outcomes,
  a POVM SDP otherwise) and the sweeps that alternate them;
- ``starts``: deterministic, Fourier (CGLMP) and seeded random starts, nested restarts
  (``optimise_tensor``);
- ``zeros``: strategies meeting constraints that force probabilities to 0 exactly (Hardy);
- ``mixtures``: column generation over strategies and the exact mixing weights;
- ``bound``: the public entry points ``seesaw_bound`` and ``seesaw_best``.

The names other modules import are re-exported here.
"""

from .bound import default_dimensions, seesaw_best, seesaw_bound, witness_certificate
from .mixtures import exact_mixture
from .starts import check_work, fourier_starts, optimise_tensor
from .strategy import Mixture, QuantumStrategy, seesaw_component_json
from .zeros import exact_zero_strategy, optimise_zero

__all__ = [
    "Mixture", "QuantumStrategy", "check_work", "default_dimensions", "exact_mixture",
    "exact_zero_strategy", "fourier_starts", "optimise_tensor", "optimise_zero", "seesaw_best", "seesaw_bound",
    "seesaw_component_json", "witness_certificate",
]
