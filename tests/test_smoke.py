"""Smoke test until the full suite lands: CHSH classical value 3/4 (Clauser et al. 1969)."""

from fractions import Fraction

from certify.classical import classical_value
from certify.game import load_game


def test_chsh_classical_is_three_quarters():
    result = classical_value(load_game("chsh"))
    assert result.exact == Fraction(3, 4)
    assert result.certified
