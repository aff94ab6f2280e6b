"""exact_psd, the exact test every SDP certificate rests on (certify.proofs.exact).

Matrices up to side 8 have their answers remembered, larger ones are eliminated
every time: both paths are asked here, each question twice.
"""

from fractions import Fraction

import pytest

from certify.proofs.exact import exact_psd


def hilbert(n):
    """H_ij = 1/(i + j + 1): positive definite for every n (Hilbert, Acta Math. 18 (1894))."""
    return [[Fraction(1, i + j + 1) for j in range(n)] for i in range(n)]


def gram(rows):
    """B^T B for integer rows B: PSD, of rank at most len(rows)."""
    n = len(rows[0])
    return [[Fraction(sum(r[i] * r[j] for r in rows)) for j in range(n)] for i in range(n)]


@pytest.mark.parametrize("n", [2, 5, 8, 9, 12])
def test_hilbert_matrices_are_positive_definite(n):
    for _ in range(2):
        assert exact_psd(hilbert(n), strict=True) and exact_psd(hilbert(n))


@pytest.mark.parametrize("n", [4, 8, 9, 11])
def test_rank_deficient_gram_matrices_are_semidefinite_only(n):
    rows = [[(3 * i + 5 * j) % 7 - 3 for j in range(n)] for i in range(3)]
    for _ in range(2):
        assert exact_psd(gram(rows)) and not exact_psd(gram(rows), strict=True)


@pytest.mark.parametrize("n", [3, 8, 9, 10])
def test_a_shift_below_the_smallest_eigenvalue_breaks_definiteness(n):
    """H - t I with t between 0 and H's smallest eigenvalue stays definite; with t = the
    trace (above the largest eigenvalue) it is not even semidefinite."""
    tiny = Fraction(1, 10**16)  # far below lambda_min(H_10) ~ 1.1e-13
    trace = sum(hilbert(n)[i][i] for i in range(n))
    for _ in range(2):
        assert exact_psd([[v - (tiny if i == j else 0) for j, v in enumerate(row)] for i, row in enumerate(hilbert(n))],
                         strict=True)
        assert not exact_psd([[v - (trace if i == j else 0) for j, v in enumerate(row)]
                              for i, row in enumerate(hilbert(n))])


@pytest.mark.parametrize("matrix, semidefinite, definite", [
    ([[0, 1], [1, 0]], False, False),
    ([[1, 2], [2, 1]], False, False),
    ([[0, 0], [0, 1]], True, False),
    ([[0, 1], [1, 1]], False, False),  # a zero pivot with a nonzero row
    ([[2, -1], [-1, 2]], True, True),
])
def test_small_cases(matrix, semidefinite, definite):
    for _ in range(2):
        assert exact_psd(matrix) == semidefinite and exact_psd(matrix, strict=True) == definite
