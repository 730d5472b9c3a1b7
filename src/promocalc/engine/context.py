"""Per-quote state shared by the layers, and the records they produce."""

from __future__ import annotations

from collections.abc import Mapping

from ..allocation import allocate
from ..thresholds import Threshold
from .cart import Cart
from .compiled import Promo, ShopInfo


class Applied:
    """An instrument that applied: its per-line shares (line position -> fen, in line order) and, for vouchers, the count.

    Platform red packets also carry how many ``packets`` paid and the face value ``left`` of a split one. A
    threshold instrument measured on one base keeps it (fen, and units for item-count tiers): what advice
    measures the next tier from.
    """

    __slots__ = ("promo", "shares", "vouchers", "pools", "packets", "left", "base", "items")

    def __init__(self, promo: Promo, shares: dict[int, int], vouchers: int | None = None,
                 pools: list[dict[str, object]] | None = None, packets: int | None = None,
                 left: int = 0, base: int | None = None, items: int = 0) -> None:  # fmt: skip
        self.promo = promo
        self.shares = shares
        self.vouchers = vouchers
        self.pools = pools
        self.packets = packets
        self.left = left
        self.base = base
        self.items = items

    @property
    def amount(self) -> int:
        """Total applied, in fen."""
        return sum(self.shares.values())


class Skipped:
    """An instrument that did not apply, with a stable reason code and, for thresholds, the gap."""

    __slots__ = ("promo", "reason", "gap", "by", "detail", "tiers")

    def __init__(self, promo: Promo, reason: str, gap: int | None = None, by: str | None = None,
                 detail: str | None = None, tiers: Threshold | None = None) -> None:  # fmt: skip
        self.promo = promo
        self.reason = reason
        self.gap = gap
        self.by = by
        self.detail = detail
        self.tiers = tiers or promo.threshold


class Context:
    """What layer 1 fixes for a quote: lines, A1 per line, deposits, unit weights, active promotions."""

    __slots__ = ("cart", "lines", "a1", "dep", "unit_w", "item_of", "parallel", "reject", "active", "inactive",
                 "by_shop", "eligible", "eligible_idx", "members", "item_off", "has_presale", "tried")  # fmt: skip

    def __init__(self, cart: Cart, parallel: bool, reject: bool, shops: Mapping[str, ShopInfo]) -> None:
        self.cart = cart
        lines = self.lines = cart.lines
        n = len(lines)
        self.a1 = [0] * n
        self.dep = [0] * n
        self.unit_w: list[list[int] | None] = [None] * n
        self.item_of: list[Promo | None] = [None] * n
        self.item_off = [0] * n  # what the item-level promotion took off the list amount
        self.parallel = parallel
        self.reject = reject
        self.active: set[str] = set()
        self.inactive: dict[str, str] = {}
        self.has_presale = False
        # (shop promotion applied or None, card) -> what the card did on the lines that promotion left
        self.tried: dict[tuple[Applied | None, Promo], Applied | Skipped] = {}
        by_shop: dict[str, list[int]] = {}
        eligible = [False] * n
        eligible_idx: list[int] = []  # positions of the lines that take part in the platform layer
        members: set[str] = set()  # the cart's shops that take part in the campaign
        for ln in lines:
            ps = ln.presale
            if ps is not None:
                self.has_presale = True
                if ps.deposit_stage:  # a deposit payment takes no discount
                    continue
            shop = ln.shop
            i = ln.pos
            idx = by_shop.get(shop)
            if idx is None:
                by_shop[shop] = [i]
                if shops[shop].member:
                    members.add(shop)
            else:
                idx.append(i)
            if ln.eligible and shop in members:
                eligible[i] = True
                eligible_idx.append(i)
        self.by_shop = by_shop
        self.eligible = eligible
        self.eligible_idx = eligible_idx
        self.members = frozenset(members)

    def settle(self, idx: list[int], amount: int, weights: list[int], run: list[int],
               by_owed: bool = False) -> dict[int, int] | None:  # fmt: skip
        """Split ``amount`` over lines ``idx`` and cut each share to what its line still owes.

        ``by_owed`` says the weights are what the lines owe (``run``, no deposit held): no share of an amount
        up to their sum can then exceed its line's weight, so none is cut. Returns the shares, or ``None``
        when the campaign rejects negative lines and a line would reach zero.
        """
        raw = allocate(amount, weights)
        reject = self.reject
        if by_owed and not reject and amount <= sum(weights):
            shares = dict(zip(idx, raw))
            if 0 in raw:  # a line too small for a fen of this amount takes no share
                shares = {i: s for i, s in shares.items() if s}
            return shares
        shares = {}
        dep = self.dep
        for i, s in zip(idx, raw):
            if s:
                owed = run[i] - dep[i]
                if s >= owed:
                    if reject:
                        return None
                    s = owed
                    if s <= 0:
                        continue
                shares[i] = s
        return shares

    def presale_ok(self, idx: list[int], amount: int, weights: list[int], run: list[int], inclusive: bool) -> bool:
        """Presale: every presale line's tail left must exceed (or, inclusive, reach) its share."""
        if not self.has_presale or not any(self.lines[i].presale is not None for i in idx):
            return True
        raw = allocate(amount, weights)
        for i, s in zip(idx, raw):
            if self.lines[i].presale is not None:
                tail = run[i] - self.dep[i]
                if (tail < s) if inclusive else (tail <= s):
                    return False
        return True
