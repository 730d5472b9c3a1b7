"""The quote: what a priced cart costs, per line, per layer and per shop, and what did not apply."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from .allocation import Runs, allocate_runs, runs_of
from .engine.compile import Compiled
from .engine.compiled import LAYER_NAMES
from .engine.context import Applied, Skipped
from .engine.pricer import Priced
from .io.jsontext import dumps
from .money import fmt
from .record import UNIT_LIST_MAX, seal, units_json

LAYERS = ("item", "shop", "coupon", "platform")


class Quote:
    """A priced cart. Figures are integer fen; :meth:`to_dict` gives the quote format of docs/formats.md."""

    __slots__ = ("_camp", "_p", "subtotal", "payable", "discount", "deposit_paid", "postage", "optimal",
                 "lower_bound", "line_payables", "postage_waived", "tender", "coins_used", "__dict__")  # fmt: skip

    def __init__(self, camp: Compiled, priced: Priced, stamp: tuple[str, bytes | None] | None = None) -> None:
        self._camp = camp
        self._p = priced
        self._stamp = stamp  # (fingerprint of the config, signing key or None): what makes the quote a record
        ctx = priced.ctx
        run = priced.run
        dep = ctx.dep
        self.line_payables = [r - d for r, d in zip(run, dep)]
        self.deposit_paid = sum(dep)
        cart = ctx.cart
        shops = camp.shops
        extras = priced.extras
        self.postage = sum(extras.postage.values())
        self.postage_waived = sum(extras.waived.values())
        self.tender = [0] * len(run)  # per line: what coins and red packets paid
        self.coins_used = 0
        for a in priced.payment_applied:
            if a.promo.tender:
                for i, v in a.shares.items():
                    self.tender[i] += v
                if a.promo.kind == "coins":
                    self.coins_used += a.amount
        if ctx.has_presale:
            self.subtotal = sum(self._line_subtotal(i) for i in range(len(run)))
        else:
            self.subtotal = sum(ln.price * ln.qty for ln in ctx.lines)
        lines_total = sum(self.line_payables)
        self.payable = lines_total + self.postage
        self.discount = self.subtotal - lines_total - self.deposit_paid - sum(self.tender)
        self.optimal = priced.optimal
        # a proven lower bound on the payable when the search stopped at its budget (postage is fixed)
        self.lower_bound = None if priced.lower_bound is None else priced.lower_bound + self.postage

    # -- figures ---------------------------------------------------------------------------------------

    def _shop_ids(self) -> list[str]:
        return list(dict.fromkeys(ln.shop for ln in self._p.ctx.lines))

    def _line_subtotal(self, i: int) -> int:
        ln = self._p.ctx.lines[i]
        if ln.presale is not None and ln.presale.deposit_stage:
            return ln.presale.deposit * ln.qty
        return ln.price * ln.qty

    @cached_property
    def applied(self) -> list[Applied]:
        """Every instrument that applied, in layer order then declared order."""
        p = self._p
        ctx = p.ctx
        out: list[Applied] = []
        item: dict[str, dict[int, int]] = {}
        for i, promo in enumerate(ctx.item_of):
            if promo is not None and ctx.item_off[i]:
                item.setdefault(promo.id, {})[i] = ctx.item_off[i]
        for pid, shares in item.items():
            out.append(Applied(self._camp.by_id[pid], shares))
        for o in p.options:
            if o.shop_result is not None:
                out.append(o.shop_result)
        for o in p.options:
            out += [r for r in o.coupon_results if isinstance(r, Applied)]
        out += p.platform_applied
        out += p.payment_applied
        out += [Applied(promo, {}) for promo, _, _ in p.extras.applied]
        out.sort(key=lambda a: (a.promo.layer, a.promo.pos))
        return out

    @property
    def not_applied(self) -> list[Skipped]:
        """What was relevant to this cart but did not apply, each with a reason code."""
        return self._p.not_applied

    @cached_property
    def _layer_shares(self) -> list[list[int]]:
        n = len(self._p.run)
        per = [[0, 0, 0, 0, 0] for _ in range(n)]
        ctx = self._p.ctx
        for i in range(n):
            per[i][0] = self._line_subtotal(i) - ctx.a1[i] if not _deposit_stage(ctx, i) else 0
        for a in self.applied:
            if a.promo.layer == 1 or a.promo.tender or not a.shares:
                continue
            k = a.promo.layer - 1
            for i, s in a.shares.items():
                per[i][k] += s
        return per

    def units(self, i: int) -> list[int]:
        """The frozen per-unit amounts of line ``i`` (allocation): what each unit cost the buyer in all."""
        return [v for v, n in self.unit_runs(i) for _ in range(n)]

    def _weights(self, i: int) -> Runs:
        w = self._p.ctx.unit_w[i]
        return runs_of(w) if w else [(1, self._p.ctx.lines[i].qty)]

    def unit_runs(self, i: int) -> Runs:
        """:meth:`units` as runs ``(amount, count)`` of equal amounts, without one entry per unit."""
        ctx = self._p.ctx
        return allocate_runs(self.line_payables[i] + ctx.dep[i], self._weights(i))

    def lowest_unit_price(self, i: int) -> int:
        """The lowest-price basis: the lowest unit amount of line ``i`` after only the instruments that count."""
        ctx = self._p.ctx
        total = self.line_payables[i] + ctx.dep[i] + self._left_out[i]
        if ctx.unit_w[i] is None:
            return total // ctx.lines[i].qty  # equal weights: the smallest share is the floor
        return min(v for v, _ in allocate_runs(total, self._weights(i)))

    @cached_property
    def _left_out(self) -> list[int]:
        """Per line: what instruments that do not count toward the lowest price took off (one pass)."""
        ctx = self._p.ctx
        back = [0] * len(ctx.lines)
        for i, promo in enumerate(ctx.item_of):
            if promo is not None and not promo.counts_lowest:
                back[i] += ctx.item_off[i]
        for a in self.applied:
            if a.promo.layer > 1 and not a.promo.counts_lowest:
                for i, s in a.shares.items():
                    back[i] += s
        return back

    def funding(self) -> dict[str, tuple[int, int]]:
        """Per shop: (merchant-funded, platform-funded) discount in fen, every layer counted."""
        ctx = self._p.ctx
        out = {s: [0, 0] for s in self._shop_ids()}
        layer_shares = self._layer_shares
        item_of = ctx.item_of
        lines = ctx.lines
        for i, ln in enumerate(lines):
            promo = item_of[i]
            plat = ctx.item_off[i] if promo is not None and promo.platform_funded else 0
            row = out[ln.shop]
            row[0] += layer_shares[i][0] - plat
            row[1] += plat
        for a in self.applied:
            if a.promo.layer == 1 or a.promo.tender:
                continue
            k = 1 if a.promo.platform_funded else 0
            for i, s in a.shares.items():
                out[lines[i].shop][k] += s
        return {s: (m, p) for s, (m, p) in out.items()}

    # -- output ----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The quote as plain JSON-ready data (money as strings with two decimals)."""
        ctx = self._p.ctx
        camp = self._camp
        money = _money_text
        texts = _TEXTS  # money texts are looked up inline: most amounts were written before
        dep = ctx.dep
        unit_w = ctx.unit_w
        pay = self.line_payables
        left_out = self._left_out
        layer_shares = self._layer_shares
        has_presale = ctx.has_presale
        has_payment = camp.has_payment
        coins_of: dict[int, int] = {}
        for a in self._p.payment_applied:
            if a.promo.kind == "coins":
                coins_of = a.shares
        lines = []
        shop_pay: dict[str, int] = {}
        for i, ln in enumerate(ctx.lines):
            qty = ln.qty
            p = pay[i]
            total = p + dep[i]
            if qty == 1:
                units: list[Any] = [texts.get(total) or money(total)]
                lowest = total + left_out[i]
            elif unit_w[i] is None and qty <= UNIT_LIST_MAX:
                q, r = divmod(total, qty)  # equal weights: the left-over fen go to the first units
                units = [texts.get(q + 1) or money(q + 1)] * r + [texts.get(q) or money(q)] * (qty - r)
                lowest = (total + left_out[i]) // qty
            else:
                units = units_json(self.unit_runs(i), qty)
                lowest = self.lowest_unit_price(i)
            sub = ln.price * qty if not has_presale else self._line_subtotal(i)
            a, b, c, d4, d5 = layer_shares[i]
            d: dict[str, Any] = {
                "id": ln.id, "shop": ln.shop, "item": ln.item, "category": ln.category, "qty": qty,
                "subtotal": texts.get(sub) or money(sub),
                "discounts": {"item": texts.get(a) or money(a), "shop": texts.get(b) or money(b),
                              "coupon": texts.get(c) or money(c), "platform": texts.get(d4) or money(d4)},
                "payable": texts.get(p) or money(p),
                "units": units,
                "lowest_unit_price": texts.get(lowest) or money(lowest),
            }  # fmt: skip
            if has_payment:
                d["discounts"]["payment"] = money(d5)
                d["paid_by"] = {"cash": money(p), "coins": money(coins_of.get(i, 0)),
                                "red_packets": money(self.tender[i] - coins_of.get(i, 0))}  # fmt: skip
                if ln.vip88:
                    d["vip88"] = True
            if ln.title is not None:
                d["title"] = ln.title
            if ln.presale is not None:
                if ln.presale.deposit_stage:
                    d["stage"] = "deposit"
                else:
                    d["deposit_paid"] = fmt(ctx.dep[i])
                    d["stage"] = "final"
            lines.append(d)
            shop_pay[ln.shop] = shop_pay.get(ln.shop, 0) + p
        extras = self._p.extras
        for g in extras.gifts:
            zero = money(0)
            gd: dict[str, Any] = {
                "id": g.id, "shop": g.shop, "item": g.item, "qty": g.qty, "subtotal": zero,
                "discounts": {k: zero for k in ("item", "shop", "coupon", "platform")}, "payable": zero,
                "units": [zero] * g.qty if g.qty <= UNIT_LIST_MAX else [{"amount": zero, "count": g.qty}],
                "lowest_unit_price": zero, "gift": True, "value": money(g.value), "promotion": g.promo.id,
            }  # fmt: skip
            if has_payment:
                gd["discounts"]["payment"] = zero
                gd["paid_by"] = {"cash": zero, "coins": zero, "red_packets": zero}
            lines.append(gd)
        fund = self.funding()
        shops = []
        for s in self._shop_ids():
            post = extras.postage[s]
            m, pf = fund[s]
            sd: dict[str, Any] = {
                "id": s, "postage": money(post), "payable": money(shop_pay.get(s, 0) + post),
                "merchant_funded": money(m), "platform_funded": money(pf),
            }  # fmt: skip
            if camp.has_postage:
                sd["postage_waived"] = money(extras.waived.get(s, 0))
            shops.append(sd)
        gift_lines: dict[str, list[Any]] = {}
        for g in extras.gifts:
            gift_lines.setdefault(g.promo.id + "\0" + g.shop, []).append(g)
        extra_of = {p.id: (sid, v) for p, sid, v in extras.applied}
        applied = []
        cart_lines = ctx.lines
        for a in self.applied:
            promo = a.promo
            shares = a.shares
            entry: dict[str, Any] = {
                "id": promo.id, "kind": promo.kind, "layer": LAYER_NAMES[promo.layer],
                "amount": money(sum(shares.values())),
                "funded_by": "platform" if promo.platform_funded else "merchant",
                "lines": {cart_lines[i].id: texts.get(v) or money(v) for i, v in sorted(shares.items())},
            }  # fmt: skip
            if a.vouchers is not None:
                entry["vouchers"] = a.vouchers
            if a.pools is not None:
                entry["pools"] = [_pool_json(pl, ctx) for pl in a.pools]
            if a.packets is not None:
                entry["packets"] = a.packets
                entry["left"] = money(a.left)
            if promo.kind == "coins":
                entry["coins"] = a.amount
            elif promo.kind == "free_postage":
                sid, v = extra_of[promo.id]
                entry["amount"] = money(v)
                entry["shop"] = sid
            elif promo.kind == "gift":
                sid, v = extra_of[promo.id]
                entry["shop"] = sid
                entry["value"] = money(v)
                entry["gifts"] = [{"line": g.id, "item": g.item, "qty": g.qty, "value": money(g.value)}
                                  for g in gift_lines.get(promo.id + "\0" + sid, [])]  # fmt: skip
            applied.append(entry)
        out: dict[str, Any] = {
            "campaign": camp.id, "at": datetime.fromtimestamp(self._p.at, camp.tz).isoformat(), "currency": "CNY",
            "subtotal": fmt(self.subtotal), "discount": fmt(self.discount), "payable": fmt(self.payable),
        }  # fmt: skip
        if self.deposit_paid:
            out["deposit_paid"] = fmt(self.deposit_paid)
        out["lines"] = lines
        out["postage"] = fmt(self.postage)
        if camp.has_postage:
            out["postage_waived"] = fmt(self.postage_waived)
        if has_payment:
            tender = sum(self.tender)
            out["paid_by"] = {"cash": fmt(self.payable), "coins": fmt(self.coins_used),
                              "red_packets": fmt(tender - self.coins_used)}  # fmt: skip
            out["coins_used"] = self.coins_used
        out["shops"] = shops
        out["applied"] = applied
        out["not_applied"] = [_skipped_json(s) for s in self.not_applied]
        if self.optimal is not None:
            out["optimal"] = self.optimal
            if self.lower_bound is not None:
                out["lower_bound"] = fmt(self.lower_bound)
        if self._stamp is not None:
            out["fingerprint"] = self._stamp[0]
            if self._stamp[1] is not None:
                out["seal"] = seal(out, self._stamp[1])
        return out

    def to_json(self, indent: int | None = 1) -> str:
        """The quote as JSON text (docs/formats.md): one space per level by default; ``indent=None`` is compact."""
        return dumps(self.to_dict(), indent)

    def to_text(self, locale: str = "zh_CN") -> str:
        """The quote as a receipt a person reads, in ``zh_CN`` or ``en_US`` (``zh-CN``, ``zh``, ``en``… also do).

        Any other locale raises :class:`~promocalc.PromocalcError` naming the supported ones.
        """
        from .receipt import render_quote

        return render_quote(self, locale)

    def to_html(self, locale: str = "zh_CN") -> str:
        """The quote as HTML: a table of the lines and each layer's discount, then the receipt."""
        from .receipt import quote_table

        return quote_table(self, locale)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<Quote payable={fmt(self.payable)} discount={fmt(self.discount)} lines={len(self.line_payables)}>"


_TEXTS: dict[int, str] = {}  # fen -> its text; bounded, the same amounts recur from line to line and quote to quote


def _money_text(fen: int) -> str:
    """``fmt(fen)``, remembered."""
    s = _TEXTS.get(fen)
    if s is not None:
        return s
    s = fmt(fen)
    if len(_TEXTS) < 65536:
        _TEXTS[fen] = s
    return s


def _deposit_stage(ctx: Any, i: int) -> bool:
    ps = ctx.lines[i].presale
    return ps is not None and ps.deposit_stage


def _pool_json(pool: dict[str, object], ctx: Any) -> dict[str, object]:
    out = dict(pool)
    out["tiers"] = str(pool["tiers"])
    out["lines"] = [ctx.lines[i].id for i in pool["lines"]]  # type: ignore[attr-defined]
    for k in ("base", "amount", "gap"):
        if k in out and isinstance(out[k], int):
            out[k] = fmt(out[k])  # type: ignore[arg-type]
    return out


def _skipped_json(s: Skipped) -> dict[str, Any]:
    d: dict[str, Any] = {"id": s.promo.id, "kind": s.promo.kind, "layer": LAYER_NAMES[s.promo.layer], "reason": s.reason}
    if s.gap is not None:
        by_items = s.promo.by_items or (s.promo.threshold is not None and s.promo.threshold.by_items)
        d["gap"] = fmt(s.gap) if not by_items else s.gap
    if s.tiers is not None:
        d["tiers"] = s.tiers.describe()
    if s.by is not None:
        d["by"] = s.by
    if s.detail is not None:
        d["detail"] = s.detail
    return d
