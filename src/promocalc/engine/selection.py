"""Shop options and the ``excludes`` alternatives of the platform layer (what the choice search combines).

The search itself is :mod:`promocalc.engine.search`.
"""

from __future__ import annotations

from itertools import combinations

from .compiled import Promo
from .context import Applied, Skipped


class ShopOption:
    """One way a shop's order can be priced through layers 2 and 3."""

    __slots__ = ("shop", "idx", "shop_result", "coupons", "coupon_results", "run3", "shop_off")

    def __init__(self, shop: str, idx: list[int], shop_result: Applied | None, coupons: tuple[Promo, ...],
                 coupon_results: list[Applied | Skipped], run3: list[int]) -> None:  # fmt: skip
        self.shop = shop
        self.idx = idx
        self.shop_result = shop_result
        self.coupons = coupons
        self.coupon_results = coupon_results
        self.run3 = run3
        self.shop_off = sum(shop_result.shares.values()) if shop_result is not None else 0


def alternatives(promos: list[Promo]) -> list[frozenset[str]]:
    """Sets of platform instruments to switch off so that no two that exclude each other both apply.

    Ordered so that alternatives keeping earlier-declared instruments come first (ties go to them).
    """
    ids = {p.id for p in promos}
    involved = [p for p in promos if (p.excludes & ids) or any(p.id in q.excludes for q in promos)]
    if not involved:
        return [frozenset()]

    def clash(a: Promo, b: Promo) -> bool:
        return a.id in b.excludes or b.id in a.excludes

    keep_sets = []
    for k in range(len(involved), 0, -1):
        for keep in combinations(involved, k):
            if any(clash(a, b) for a, b in combinations(keep, 2)):
                continue
            if any(set(keep) < set(prev) for prev in keep_sets):
                continue
            keep_sets.append(keep)
    keep_sets.sort(key=lambda ks: sorted(p.pos for p in ks))
    names = {p.id for p in involved}
    return [frozenset(names - {p.id for p in ks}) for ks in keep_sets] or [frozenset()]
