"""Small exact statistics for the review rules (no SciPy needed for one test)."""

from math import exp, lgamma


def _log_comb(n: int, k: int) -> float:
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher's exact test on the 2x2 table [[a, b], [c, d]].

    Returns P(X >= a) under the hypergeometric null that rows and columns are independent: here, that the
    new reviews (row 1: a negative, b other) are drawn with the same 1–2★ share as the baseline reviews
    (row 2: c negative, d other). Exact at every sample size, and conservative, so it does not page anyone
    on a handful of bad reviews.
    """
    row1, col1, n = a + b, a + c, a + b + c + d
    if row1 == 0 or col1 == 0 or n == 0:
        return 1.0
    low, high = max(0, row1 + col1 - n), min(row1, col1)
    log_denominator = _log_comb(n, row1)
    total = 0.0
    for x in range(max(a, low), high + 1):
        total += exp(_log_comb(col1, x) + _log_comb(n - col1, row1 - x) - log_denominator)
    return min(1.0, total)
