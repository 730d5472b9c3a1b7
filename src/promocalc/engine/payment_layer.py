"""The payment layer, after the platform layer: 88VIP's discount, then coins (淘金币), then platform red packets.

88VIP lowers what a line costs; coins and red packets are tender that pay part of it. None of them counts
toward a threshold of an earlier layer, and none touches postage.
"""

from __future__ import annotations

from fractions import Fraction

from ..allocation import allocate
from ..money import round_fraction
from .compiled import Promo
from .context import Applied, Context, Skipped

RED_PACKETS_PER_CHECKOUT = 10
"""At most this many platform red packets pay one checkout."""

PACKET_STATES = 20_000
"""Combinations of red packets the exact choice may visit; past it the best one found is used."""


class PaymentPlan:
    """What the payment layer can do for one cart, fixed before the choice search (its lines, caps, packets)."""

    __slots__ = ("vip", "vip_lines", "vip_quota", "coin_lines", "coin_caps", "coins", "packets", "packet_lines",
                 "skipped", "active", "coin_promo")  # fmt: skip

    def __init__(self, ctx: Context, vip: Promo | None, coins: Promo, shops: dict[str, object],
                 red_packets: list[Promo]) -> None:  # fmt: skip
        cart = ctx.cart
        lines = ctx.lines
        self.skipped: list[Skipped] = []
        self.coin_promo = coins
        payable = [i for idx in ctx.by_shop.values() for i in idx]  # deposit payments take no part
        payable.sort()
        self.vip = None
        self.vip_lines: list[int] = []
        self.vip_quota = cart.vip88_quota
        if vip is not None and cart.vip88:
            mine = [i for i in payable if lines[i].vip88 or (vip.has_scope and vip.in_scope(lines[i].item, lines[i].category))]
            if mine and not cart.use_vip88:
                self.skipped.append(Skipped(vip, "opted_out"))
            elif mine and self.vip_quota == 0:
                self.skipped.append(Skipped(vip, "quota_used_up"))
            elif mine:
                self.vip = vip
                self.vip_lines = mine
        self.coin_lines: list[int] = []
        self.coin_caps: list[int] = []  # floor(A1 × the shop's rate), per coin line
        self.coins = cart.coins if cart.use_coins else 0
        if cart.coins:
            for i in payable:
                ln = lines[i]
                c = shops[ln.shop].coins  # type: ignore[attr-defined]
                if c is not None and c.in_scope(ln.item, ln.category):
                    rate = c.rate
                    self.coin_lines.append(i)
                    self.coin_caps.append(ctx.a1[i] * rate.numerator // rate.denominator)
        self.packets: list[tuple[Promo, int]] = []
        for p in red_packets:
            n = cart.red_packets.get(p.id, 0)
            if n <= 0:
                continue
            if p.id not in ctx.active:
                self.skipped.append(Skipped(p, ctx.inactive.get(p.id, "inactive")))
            else:
                self.packets.append((p, min(n, p.max_per_checkout, RED_PACKETS_PER_CHECKOUT)))
        self.packet_lines = [i for i in payable if lines[i].eligible]
        self.active = bool(self.vip or (self.coins and self.coin_lines) or (self.packets and self.packet_lines))

    def floor(self, goods: int) -> int:
        """A lower bound on the cash due for goods, for any way layers 2–4 reach ``goods`` owed (admissible).

        88VIP takes at most (1 − rate) of each line plus half a fen (and at most the quota); coins and red
        packets at most what the buyer holds and may use.
        """
        low = goods
        if self.vip is not None:
            rate: Fraction = self.vip.rate  # type: ignore[assignment]
            n = len(self.vip_lines)
            num = 2 * goods * rate.numerator - n * rate.denominator  # rate·goods − n/2, over 2·den
            den = 2 * rate.denominator
            low = -(-num // den)
            if self.vip_quota is not None:
                low = max(low, goods - self.vip_quota)
        if self.coins and self.coin_lines:
            low -= min(self.coins, sum(self.coin_caps))
        if self.packets and self.packet_lines:
            faces = sorted((p.face for p, n in self.packets for _ in range(n)), reverse=True)
            low -= sum(faces[:RED_PACKETS_PER_CHECKOUT])
        return max(0, low)


def apply_payment(ctx: Context, plan: PaymentPlan, run: list[int]) -> tuple[list[Applied], bool]:
    """Apply the payment layer to ``run`` (what each line owes after layer 4, deposits included), in place.

    Returns what applied, in layer order, and whether the red packets' choice is proven best.
    """
    dep = ctx.dep
    out: list[Applied] = []
    vip = plan.vip
    if vip is not None:
        rate: Fraction = vip.rate  # type: ignore[assignment]
        off_num = rate.denominator - rate.numerator
        idx = plan.vip_lines
        raw = [round_fraction((run[i] - dep[i]) * off_num, rate.denominator) for i in idx]
        total = sum(raw)
        quota = plan.vip_quota
        if quota is not None and total > quota:
            raw = allocate(quota, raw)
        shares = {i: s for i, s in zip(idx, raw) if s}
        if shares:
            for i, s in shares.items():
                run[i] -= s
            out.append(Applied(vip, shares))
    if plan.coins and plan.coin_lines:
        idx = plan.coin_lines
        caps = [max(0, min(c, run[i] - dep[i] - 1)) for i, c in zip(idx, plan.coin_caps)]
        total = sum(caps)
        raw = caps if plan.coins >= total else allocate(plan.coins, caps)
        shares = {i: s for i, s in zip(idx, raw) if s}
        if shares:
            for i, s in shares.items():
                run[i] -= s
            out.append(Applied(plan.coin_promo, shares))
    proven = True
    if plan.packets and plan.packet_lines:
        idx = plan.packet_lines
        owed = sum(run[i] - dep[i] for i in idx)
        order, proven = best_packets(plan.packets, owed)
        used: dict[str, tuple[Promo, int, int]] = {}  # id -> (promo, packets, amount)
        left_owed = owed
        for p in order:
            amount = min(p.face, left_owed)
            left_owed -= amount
            q, n, a = used.get(p.id, (p, 0, 0))
            used[p.id] = (q, n + 1, a + amount)
        for p, n, amount in sorted(used.values(), key=lambda t: t[0].pos):
            weights = [run[i] - dep[i] for i in idx]
            raw = allocate(amount, weights)
            shares = {i: s for i, s in zip(idx, raw) if s}
            for i, s in shares.items():
                run[i] -= s
            out.append(Applied(p, shares, packets=n, left=n * p.face - amount))
    return out, proven


def best_packets(held: list[tuple[Promo, int]], owed: int) -> tuple[list[Promo], bool]:
    """The red packets to use, in the order they are applied: the most paid, then the fewest packets, then
    the packets declared first. Each packet's ``spend`` is checked on what is still owed when it is applied.

    Exact over every reachable combination (at most :data:`PACKET_STATES`); returns whether it was.
    """
    if owed <= 0:
        return [], True
    n = len(held)
    start = (0,) * n
    # state -> (owed now, the state before it, the packet kind added)
    seen: dict[tuple[int, ...], tuple[int, tuple[int, ...] | None, int]] = {start: (owed, None, -1)}
    frontier = [start]
    proven = True
    while frontier:
        nxt = []
        for state in frontier:
            now = seen[state][0]
            if now <= 0 or sum(state) >= RED_PACKETS_PER_CHECKOUT:
                continue
            for j, (p, limit) in enumerate(held):
                if state[j] >= limit or now < p.need:
                    continue
                s2 = state[:j] + (state[j] + 1,) + state[j + 1:]
                if s2 in seen:
                    continue
                if len(seen) >= PACKET_STATES:
                    proven = False
                    break
                seen[s2] = (max(0, now - p.face), state, j)
                nxt.append(s2)
        frontier = nxt

    def rank(state: tuple[int, ...]) -> tuple[object, ...]:
        positions = sorted(held[j][0].pos for j, c in enumerate(state) for _ in range(c))
        return (seen[state][0], sum(state), positions)

    best = min(seen, key=rank)
    order: list[Promo] = []
    state: tuple[int, ...] | None = best
    while state is not None and seen[state][1] is not None:
        _, prev, j = seen[state]
        order.append(held[j][0])
        state = prev
    order.reverse()
    return order, proven
