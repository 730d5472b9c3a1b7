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
    n = len(weights)
    if n == 1:
        return [amount]
    if n <= 8:  # the usual shop order: one plain loop costs less than setting up comprehensions
        shares = []
        keys = []  # largest remainder first, then the larger weight, then the earlier position
        left = amount
        i = 0
        for w in weights:
            p = amount * w
            s = p // total
            shares.append(s)
            left -= s
            keys.append((s * total - p, -w, i))  # s·total − p is minus the remainder
            i += 1
        if left:
            keys.sort()
            for k in keys[:left]:
                shares[k[2]] += 1
        return shares
    shares = [amount * w // total for w in weights]
    left = amount - sum(shares)
    if left:  # the same order, from one comprehension: cheaper for a long list
        for _, _, i in sorted([(-(amount * w % total), -w, i) for i, w in enumerate(weights)])[:left]:
            shares[i] += 1
    return shares


Runs = list[tuple[int, int]]  # (value, count): ``count`` equal values in a row


def runs_of(values: Sequence[int]) -> Runs:
    """``values`` as runs of equal values, in order."""
    out: Runs = []
    for v in values:
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + 1)
        else:
            out.append((v, 1))
    return out


def expand(runs: Runs) -> list[int]:
    """The values of ``runs``, one per unit."""
    return [v for v, n in runs for _ in range(n)]


def allocate_runs(amount: int, weights: Runs) -> Runs:
    """:func:`allocate` over weights given as runs, answered as runs, in time linear in the runs.

    Exactly ``runs_of(allocate(amount, expand(weights)))``: units of one run share a floor and a
    remainder, so the left-over fen go to whole runs in remainder order, first units first within a run.
    """
    total = sum(w * n for w, n in weights)
    units = sum(n for _, n in weights)
    if total <= 0 or amount == 0:
        return [(0, units)] if units else []
    base = [amount * w // total for w, _ in weights]
    left = amount - sum(b * n for b, (_, n) in zip(base, weights))
    extra = [0] * len(weights)
    if left:
        starts = []
        pos = 0
        for _, n in weights:
            starts.append(pos)
            pos += n
        order = sorted(range(len(weights)), key=lambda k: (-(amount * weights[k][0] % total), -weights[k][0], starts[k]))
        for k in order:
            if not left:
                break
            extra[k] = min(left, weights[k][1])
            left -= extra[k]
    out: Runs = []
    for b, e, (_, n) in zip(base, extra, weights):
        for v, c in ((b + 1, e), (b, n - e)):
            if c:
                if out and out[-1][0] == v:
                    out[-1] = (v, out[-1][1] + c)
                else:
                    out.append((v, c))
    return out
