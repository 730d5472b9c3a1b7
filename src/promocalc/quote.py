"""The quote: what a priced cart costs, per line, per layer and per shop, and what did not apply."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from typing import Any

from .allocation import Runs, allocate_runs, runs_of
from .engine.compile import Compiled
from .engine.compiled import LAYER_NAMES
from .engine.context import Applied, Skipped
from .engine.pricer import Priced
from .money import fmt
from .record import seal, units_json

LAYERS = ("item", "shop", "coupon", "platform")


class Quote:
    """A priced cart. Figures are integer fen; :meth:`to_dict` gives the FORMATS.md quote shape."""

    __slots__ = ("_camp", "_p", "subtotal", "payable", "discount", "deposit_paid", "postage", "optimal",
                 "line_payables", "__dict__")  # fmt: skip

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
        self.postage = sum(cart.postage.get(s, shops[s].postage) for s in self._shop_ids())
        if ctx.has_presale:
            self.subtotal = sum(self._line_subtotal(i) for i in range(len(run)))
        else:
            self.subtotal = sum(ln.price * ln.qty for ln in ctx.lines)
        lines_total = sum(self.line_payables)
        self.payable = lines_total + self.postage
        self.discount = self.subtotal - lines_total - self.deposit_paid
        self.optimal = priced.optimal

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
        out.sort(key=lambda a: (a.promo.layer, a.promo.pos))
        return out

    @property
    def not_applied(self) -> list[Skipped]:
        """What was relevant to this cart but did not apply, each with a reason code."""
        return self._p.not_applied

    @cached_property
    def _layer_shares(self) -> list[list[int]]:
        n = len(self._p.run)
        per = [[0, 0, 0, 0] for _ in range(n)]
        ctx = self._p.ctx
        for i in range(n):
            per[i][0] = self._line_subtotal(i) - ctx.a1[i] if not _deposit_stage(ctx, i) else 0
        for a in self.applied:
            if a.promo.layer == 1:
                continue
            k = a.promo.layer - 1
            for i, s in a.shares.items():
                per[i][k] += s
        return per

    def units(self, i: int) -> list[int]:
        """The frozen per-unit amounts of line ``i`` (RULES 3): what each unit cost the buyer in all."""
        return [v for v, n in self.unit_runs(i) for _ in range(n)]

    def _weights(self, i: int) -> Runs:
        w = self._p.ctx.unit_w[i]
        return runs_of(w) if w else [(1, self._p.ctx.lines[i].qty)]

    def unit_runs(self, i: int) -> Runs:
        """:meth:`units` as runs ``(amount, count)`` of equal amounts, without one entry per unit."""
        ctx = self._p.ctx
        return allocate_runs(self.line_payables[i] + ctx.dep[i], self._weights(i))

    def lowest_unit_price(self, i: int) -> int:
        """RULES 9: the lowest unit amount of line ``i`` after only the instruments that count."""
        ctx = self._p.ctx
        back = 0
        promo = ctx.item_of[i]
        if promo is not None and not promo.counts_lowest:
            back += ctx.item_off[i]
        for a in self.applied:
            if a.promo.layer > 1 and not a.promo.counts_lowest:
                back += a.shares.get(i, 0)
        total = self.line_payables[i] + ctx.dep[i] + back
        return min(v for v, _ in allocate_runs(total, self._weights(i)))

    def funding(self) -> dict[str, tuple[int, int]]:
        """Per shop: (merchant-funded, platform-funded) discount in fen, every layer counted."""
        ctx = self._p.ctx
        out = {s: [0, 0] for s in self._shop_ids()}
        for i, ln in enumerate(ctx.lines):
            item_total = self._layer_shares[i][0]
            promo = ctx.item_of[i]
            plat = ctx.item_off[i] if promo is not None and promo.platform_funded else 0
            out[ln.shop][0] += item_total - plat
            out[ln.shop][1] += plat
        for a in self.applied:
            if a.promo.layer == 1:
                continue
            k = 1 if a.promo.platform_funded else 0
            for i, s in a.shares.items():
                out[ctx.lines[i].shop][k] += s
        return {s: (m, p) for s, (m, p) in out.items()}

    # -- output ----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The quote as plain JSON-ready data (money as strings with two decimals)."""
        ctx = self._p.ctx
        camp = self._camp
        lines = []
        for i, ln in enumerate(ctx.lines):
            per = self._layer_shares[i]
            d: dict[str, Any] = {
                "id": ln.id, "shop": ln.shop, "item": ln.item, "category": ln.category, "qty": ln.qty,
                "subtotal": fmt(self._line_subtotal(i)),
                "discounts": {name: fmt(per[k]) for k, name in enumerate(LAYERS)},
                "payable": fmt(self.line_payables[i]),
                "units": units_json(self.unit_runs(i), ln.qty),
                "lowest_unit_price": fmt(self.lowest_unit_price(i)),
            }  # fmt: skip
            if ln.title is not None:
                d["title"] = ln.title
            if ln.presale is not None:
                if ln.presale.deposit_stage:
                    d["stage"] = "deposit"
                else:
                    d["deposit_paid"] = fmt(ctx.dep[i])
                    d["stage"] = "final"
            lines.append(d)
        fund = self.funding()
        shops = []
        for s in self._shop_ids():
            idx = [i for i, ln in enumerate(ctx.lines) if ln.shop == s]
            post = ctx.cart.postage.get(s, camp.shops[s].postage)
            shops.append({
                "id": s, "postage": fmt(post),
                "payable": fmt(sum(self.line_payables[i] for i in idx) + post),
                "merchant_funded": fmt(fund[s][0]), "platform_funded": fmt(fund[s][1]),
            })  # fmt: skip
        applied = []
        for a in self.applied:
            entry: dict[str, Any] = {
                "id": a.promo.id, "kind": a.promo.kind, "layer": LAYER_NAMES[a.promo.layer], "amount": fmt(a.amount),
                "funded_by": "platform" if a.promo.platform_funded else "merchant",
                "lines": {ctx.lines[i].id: fmt(s) for i, s in sorted(a.shares.items())},
            }  # fmt: skip
            if a.vouchers is not None:
                entry["vouchers"] = a.vouchers
            if a.pools is not None:
                entry["pools"] = [_pool_json(pl, ctx) for pl in a.pools]
            applied.append(entry)
        out: dict[str, Any] = {
            "campaign": camp.id, "at": datetime.fromtimestamp(self._p.at, camp.tz).isoformat(), "currency": "CNY",
            "subtotal": fmt(self.subtotal), "discount": fmt(self.discount), "payable": fmt(self.payable),
        }  # fmt: skip
        if self.deposit_paid:
            out["deposit_paid"] = fmt(self.deposit_paid)
        out["lines"] = lines
        out["postage"] = fmt(self.postage)
        out["shops"] = shops
        out["applied"] = applied
        out["not_applied"] = [_skipped_json(s) for s in self.not_applied]
        if self.optimal is not None:
            out["optimal"] = self.optimal
        if self._stamp is not None:
            out["fingerprint"] = self._stamp[0]
            if self._stamp[1] is not None:
                out["seal"] = seal(out, self._stamp[1])
        return out

    def to_json(self, indent: int | None = 1) -> str:
        """The quote as JSON text (FORMATS.md)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

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
        d["gap"] = fmt(s.gap) if not (s.promo.threshold and s.promo.threshold.by_items) else s.gap
    if s.tiers is not None:
        d["tiers"] = s.tiers.describe()
    if s.by is not None:
        d["by"] = s.by
    if s.detail is not None:
        d["detail"] = s.detail
    return d
