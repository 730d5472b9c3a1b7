"""Choosing instruments: the combination with the smallest total payable.

Every shop's options (its shop-level promotion × the cards it may use) are priced once
through layers 2 and 3; combinations of shop options, category coupons and the platform
alternatives of ``excludes`` are then priced through layer 4. The search is exhaustive up to
:data:`SEARCH_LIMIT` combinations (``optimal: true``); past it, it starts from each shop's best
and improves one shop at a time until nothing improves (``optimal: false``).
"""

from __future__ import annotations

from itertools import combinations, product

from .compiled import Promo
from .context import Applied, Skipped

SEARCH_LIMIT = 4096


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
        self.shop_off = shop_result.amount if shop_result is not None else 0


def card_options(cards: list[Promo]) -> list[tuple[Promo, ...]]:
    """Every combination of cards a shop may use together (the coupon rules), the empty one first."""
    out: list[tuple[Promo, ...]] = [()]
    out += [(c,) for c in cards if c.card_kind in ("shop_coupon", "red_packet")]
    by_item: dict[str, list[Promo]] = {}
    for c in cards:
        if c.card_kind == "item_coupon":
            by_item.setdefault(next(iter(c.items or ("",))), []).append(c)
    if by_item:
        for combo in product(*[[None, *cs] for cs in by_item.values()]):
            chosen = tuple(c for c in combo if c is not None)
            if chosen:
                out.append(chosen)
    return out


def subsets(items: list[Promo]) -> list[tuple[Promo, ...]]:
    """All subsets, smaller first."""
    return [c for k in range(len(items) + 1) for c in combinations(items, k)]


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


def combination_count(per_shop: list[list[ShopOption]], n_coupon_sets: int, n_alts: int) -> int:
    """How many combinations an exhaustive search would price."""
    total = n_coupon_sets * n_alts
    for opts in per_shop:
        total *= len(opts)
        if total > SEARCH_LIMIT * 1000:
            break
    return total
