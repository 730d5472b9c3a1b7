"""Largest-remainder allocation (分摊) in integer fen."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` fen over ``weights`` by the largest-remainder method.

    ``share_i = floor(amount*w_i/W)``; the fen left over go one each to the
    largest fractional remainders, ties to the larger weight, then to the
    earlier position. Shares always sum to ``amount`` (when ``W > 0``).
    """
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * len(weights)
    if len(weights) == 1:
        return [amount]
    shares = [amount * w // total for w in weights]
    left = amount - sum(shares)
    if left:
        # largest remainder first, then the larger weight, then the earlier position
        order = sorted(zip([-(amount * w % total) for w in weights], [-w for w in weights], range(len(weights))))
        for _, _, i in order[:left]:
            shares[i] += 1
    return shares
