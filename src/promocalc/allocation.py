"""Largest-remainder allocation (分摊) in integer fen."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` fen over ``weights`` by the largest-remainder method.

    ``share_i = floor(amount*w_i/W)``; the fen left over go one each to the
    largest fractional remainders, ties to the larger weight, then to the
    earlier position. Shares always sum to ``amount`` (when ``W > 0``).
    """
    n = len(weights)
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * n
    if n == 1:
        return [amount]
    shares = []
    rems = []
    given = 0
    for w in weights:
        q, r = divmod(amount * w, total)
        shares.append(q)
        rems.append(r)
        given += q
    left = amount - given
    if left:
        order = sorted(range(n), key=lambda i: (-rems[i], -weights[i], i))
        for i in order[:left]:
            shares[i] += 1
    return shares
