"""The quote: what a priced cart costs, per line, per layer and per shop, and what did not apply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from json.encoder import encode_basestring as _quote  # the C function when available
from operator import attrgetter
from typing import Any

from .allocation import Runs, allocate_runs, runs_of
from .engine.cart import Line
from .engine.compile import Compiled
from .engine.compiled import LAYER_NAMES, Promo
from .engine.context import Applied, Skipped
from .engine.pricer import Priced
from .io.jsontext import Layout, Unsupported, dumps
from .money import fmt
from .record import APPLIED_FIELDS, UNIT_LIST_MAX, seal

LAYERS = ("item", "shop", "coupon", "platform")


class Quote:
    """A priced cart. Figures are integer fen; :meth:`to_dict` gives the quote format of docs/formats.md."""

    __slots__ = ("_camp", "_p", "_stamp", "subtotal", "payable", "discount", "deposit_paid", "postage", "optimal",
                 "lower_bound", "line_payables", "postage_waived", "tender", "coins_used", "_applied", "_lines",
                 "_extras", "__dict__")  # fmt: skip

    def __init__(self, camp: Compiled, priced: Priced, stamp: tuple[str, bytes | None] | None = None) -> None:
        self._camp = camp
        self._p = priced
        self._stamp = stamp  # (fingerprint of the config, signing key or None): what makes the quote a record
        # worked out when first asked for (a benign race between threads works one out twice, the same)
        self._applied: list[Applied] | None = None
        self._lines: tuple[list[list[int]], list[int], dict[str, list[int]]] | None = None
        self._extras: dict[str, tuple[str, int]] | None = None
        ctx = priced.ctx
        run = priced.run
        dep = ctx.dep
        if ctx.has_presale:  # only a presale line holds a deposit
            self.line_payables = [r - d for r, d in zip(run, dep)]
            self.deposit_paid = sum(dep)
        else:
            self.line_payables = list(run)
            self.deposit_paid = 0
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
            self.subtotal = sum([ln.price * ln.qty for ln in ctx.lines])
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

    @property
    def applied(self) -> list[Applied]:
        """Every instrument that applied, in layer order then declared order."""
        got = self._applied
        if got is None:
            got = self._applied = self._collect_applied()
        return got

    def _collect_applied(self) -> list[Applied]:
        p = self._p
        ctx = p.ctx
        item: dict[Promo, dict[int, int]] = {}
        item_off = ctx.item_off
        for i, promo in enumerate(ctx.item_of):
            if promo is not None and item_off[i]:
                shares = item.get(promo)
                if shares is None:
                    item[promo] = {i: item_off[i]}
                else:
                    shares[i] = item_off[i]
        out = [Applied(promo, shares) for promo, shares in item.items()]
        for o in p.options:
            if o.shop_result is not None:
                out.append(o.shop_result)
        for o in p.options:
            for r in o.coupon_results:
                if type(r) is Applied:
                    out.append(r)
        out += p.platform_applied
        out += p.payment_applied
        if p.extras.applied:
            out += [Applied(promo, {}) for promo, _, _ in p.extras.applied]
        out.sort(key=_ORDER)
        return out

    @property
    def not_applied(self) -> list[Skipped]:
        """What was relevant to this cart but did not apply, each with a reason code."""
        return self._p.not_applied

    @property
    def _per_line(self) -> tuple[list[list[int]], list[int], dict[str, list[int]]]:
        """Per goods layer the discount of each line (one list per layer, not one per line: a long cart
        allocates less), per line what the instruments that do not count toward the lowest price took off,
        and per shop the (merchant-funded, platform-funded) discount."""
        got = self._lines
        if got is None:
            got = self._lines = self._line_figures()
        return got

    def _line_figures(self) -> tuple[list[list[int]], list[int], dict[str, list[int]]]:
        ctx = self._p.ctx
        lines = ctx.lines
        n = len(lines)
        a1 = ctx.a1
        item_of = ctx.item_of
        item_off = ctx.item_off
        first = [0] * n
        cols = [first, [0] * n, [0] * n, [0] * n, [0] * n]
        back = [0] * n
        platform = [0] * n  # per line, what the platform funds; the merchant funds the rest of the discount
        for a in self.applied:
            promo = a.promo
            layer = promo.layer
            if layer == 1:  # item promotions: per line below
                continue
            shares = a.shares
            if not shares:
                continue
            if promo.tender:  # coins and red packets pay; they are no discount
                if not promo.counts_lowest:
                    for i, v in shares.items():
                        back[i] += v
                continue
            col = cols[layer - 1]
            for i, v in shares.items():
                col[i] += v
            if promo.platform_funded:
                for i, v in shares.items():
                    platform[i] += v
            if not promo.counts_lowest:
                for i, v in shares.items():
                    back[i] += v
        _, c2, c3, c4, c5 = cols
        fund: dict[str, list[int]] = {}
        for i, ln in enumerate(lines):
            ps = ln.presale
            item = 0 if ps is not None and ps.deposit_stage else ln.price * ln.qty - a1[i]
            first[i] = item
            pf = platform[i]
            won = item_of[i]  # the line's item promotion
            if won is not None:
                if not won.counts_lowest:
                    back[i] += item_off[i]
                if won.platform_funded:
                    pf += item_off[i]
                    platform[i] = pf
            m = item + c2[i] + c3[i] + c4[i] + c5[i] - pf
            row = fund.get(ln.shop)
            if row is None:
                fund[ln.shop] = [m, pf]
            else:
                row[0] += m
                row[1] += pf
        return cols, back, fund

    @property
    def _layer_shares(self) -> list[tuple[int, ...]]:
        """Per line: the discount of each goods layer (item, shop, coupon, platform, payment)."""
        return list(zip(*self._per_line[0]))

    @property
    def _left_out(self) -> list[int]:
        """Per line: what instruments that do not count toward the lowest price took off."""
        return self._per_line[1]

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

    def funding(self) -> dict[str, tuple[int, int]]:
        """Per shop: (merchant-funded, platform-funded) discount in fen, every layer counted."""
        return {s: (m, p) for s, (m, p) in self._per_line[2].items()}

    # -- output ----------------------------------------------------------------------------------------

    def _rows(self) -> Iterator[tuple[Line, int, int, list[int], int, list[int] | None, Runs | None, int]]:
        """Per cart line, what the record writes of it: (line, position, subtotal, layer shares, payable,
        the amount of each unit or None past UNIT_LIST_MAX units, the runs of equal amounts or None, lowest)."""
        ctx = self._p.ctx
        dep = ctx.dep
        unit_w = ctx.unit_w
        pay = self.line_payables
        left_out = self._left_out
        cols = self._per_line[0]
        has_presale = ctx.has_presale
        for i, ln in enumerate(ctx.lines):
            qty = ln.qty
            p = pay[i]
            total = p + dep[i]
            runs: Runs | None = None
            units: list[int] | None
            if qty == 1:
                units = [total]
                lowest = total + left_out[i]
            elif unit_w[i] is None and qty <= UNIT_LIST_MAX:
                q, r = divmod(total, qty)  # equal weights: the left-over fen go to the first units
                units = [q + 1] * r + [q] * (qty - r)
                lowest = (total + left_out[i]) // qty
            else:
                runs = self.unit_runs(i)
                units = [v for v, n in runs for _ in range(n)] if qty <= UNIT_LIST_MAX else None
                lowest = self.lowest_unit_price(i)
            sub = ln.price * qty if not has_presale else self._line_subtotal(i)
            yield ln, i, sub, [c[i] for c in cols], p, units, runs, lowest

    def _coins_of(self) -> dict[int, int]:
        for a in self._p.payment_applied:
            if a.promo.kind == "coins":
                return a.shares
        return {}

    def _applied_more(self, a: Applied) -> tuple[str | None, list[tuple[str, Any]]]:
        """The amount text of an applied instrument when it is not the sum of its shares, and the fields
        that follow ``lines`` in the record."""
        promo = a.promo
        amount: str | None = None
        more: list[tuple[str, Any]] = []
        if a.vouchers is not None:
            more.append(("vouchers", a.vouchers))
        if a.pools is not None:
            more.append(("pools", [_pool_json(pl, self._p.ctx) for pl in a.pools]))
        if a.packets is not None:
            more.append(("packets", a.packets))
            more.append(("left", fmt(a.left)))
        kind = promo.kind
        if kind == "coins":
            more.append(("coins", a.amount))
        elif kind == "free_postage" or kind == "gift":
            sid, v = self._extra_of[promo.id]
            if kind == "free_postage":
                amount = fmt(v)
                more.append(("shop", sid))
            else:
                more.append(("shop", sid))
                more.append(("value", fmt(v)))
                more.append(("gifts", [{"line": g.id, "item": g.item, "qty": g.qty, "value": fmt(g.value)}
                                       for g in self._p.extras.gifts if g.promo.id == promo.id and g.shop == sid]))  # fmt: skip
        return amount, more

    @property
    def _extra_of(self) -> dict[str, tuple[str, int]]:
        got = self._extras
        if got is None:
            got = self._extras = {p.id: (sid, v) for p, sid, v in self._p.extras.applied}
        return got

    def _gift_dicts(self) -> list[dict[str, Any]]:
        out = []
        for g in self._p.extras.gifts:
            zero = "0.00"
            gd: dict[str, Any] = {
                "id": g.id, "shop": g.shop, "item": g.item, "qty": g.qty, "subtotal": zero,
                "discounts": {k: zero for k in ("item", "shop", "coupon", "platform")}, "payable": zero,
                "units": [zero] * g.qty if g.qty <= UNIT_LIST_MAX else [{"amount": zero, "count": g.qty}],
                "lowest_unit_price": zero, "gift": True, "value": fmt(g.value), "promotion": g.promo.id,
            }  # fmt: skip
            if self._camp.has_payment:
                gd["discounts"]["payment"] = zero
                gd["paid_by"] = {"cash": zero, "coins": zero, "red_packets": zero}
            out.append(gd)
        return out

    def _head(self) -> list[tuple[str, Any]]:
        camp = self._camp
        return [("campaign", camp.id), ("at", _at_text(self._p.at, camp.tz)),
                ("currency", "CNY"), ("subtotal", _TEXTS[self.subtotal]),
                ("discount", _TEXTS[self.discount]), ("payable", _TEXTS[self.payable])]  # fmt: skip

    def _middle(self) -> list[tuple[str, Any]]:
        """The fields between ``lines`` and ``shops``."""
        out: list[tuple[str, Any]] = [("postage", fmt(self.postage))]
        if self._camp.has_postage:
            out.append(("postage_waived", fmt(self.postage_waived)))
        if self._camp.has_payment:
            tender = sum(self.tender)
            out.append(("paid_by", {"cash": fmt(self.payable), "coins": fmt(self.coins_used),
                                    "red_packets": fmt(tender - self.coins_used)}))  # fmt: skip
            out.append(("coins_used", self.coins_used))
        return out

    def _tail(self) -> list[tuple[str, Any]]:
        """The fields after ``not_applied``, the seal left out."""
        out: list[tuple[str, Any]] = []
        if self.optimal is not None:
            out.append(("optimal", self.optimal))
            if self.lower_bound is not None:
                out.append(("lower_bound", fmt(self.lower_bound)))
        if self._stamp is not None:
            out.append(("fingerprint", self._stamp[0]))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The quote as plain JSON-ready data (money as strings with two decimals)."""
        ctx = self._p.ctx
        camp = self._camp
        money = _TEXTS
        has_payment = camp.has_payment
        coins_of = self._coins_of() if has_payment else {}
        lines = []
        shop_pay: dict[str, int] = {}
        for ln, i, sub, (a, b, c, d4, d5), p, units, runs, lowest in self._rows():
            d: dict[str, Any] = {
                "id": ln.id, "shop": ln.shop, "item": ln.item, "category": ln.category, "qty": ln.qty,
                "subtotal": money[sub],
                "discounts": {"item": money[a], "shop": money[b], "coupon": money[c], "platform": money[d4]},
                "payable": money[p],
                "units": [money[v] for v in units] if units is not None
                else [{"amount": money[v], "count": n} for v, n in runs],  # type: ignore[union-attr]
                "lowest_unit_price": money[lowest],
            }  # fmt: skip
            if has_payment:
                d["discounts"]["payment"] = money[d5]
                coins = coins_of.get(i, 0)
                d["paid_by"] = {"cash": money[p], "coins": money[coins], "red_packets": money[self.tender[i] - coins]}
                if ln.vip88:
                    d["vip88"] = True
            if ln.title is not None:
                d["title"] = ln.title
            if ln.presale is not None:
                if ln.presale.deposit_stage:
                    d["stage"] = "deposit"
                else:
                    d["deposit_paid"] = money[ctx.dep[i]]
                    d["stage"] = "final"
            lines.append(d)
            shop_pay[ln.shop] = shop_pay.get(ln.shop, 0) + p
        lines += self._gift_dicts()
        out: dict[str, Any] = dict(self._head())
        if self.deposit_paid:
            out["deposit_paid"] = fmt(self.deposit_paid)
        out["lines"] = lines
        out.update(self._middle())
        shops = []
        for s, post, total, m, pf, waived in self._shop_rows(shop_pay):
            sd = {"id": s, "postage": money[post], "payable": money[total], "merchant_funded": money[m],
                  "platform_funded": money[pf]}  # fmt: skip
            if waived is not None:
                sd["postage_waived"] = money[waived]
            shops.append(sd)
        out["shops"] = shops
        applied = []
        cart_lines = ctx.lines
        for a in self.applied:
            amount, more = self._applied_more(a)
            promo = a.promo
            shares = a.shares
            entry: dict[str, Any] = {
                "id": promo.id, "kind": promo.kind, "layer": LAYER_NAMES[promo.layer],
                "amount": amount or money[sum(shares.values())],
                "funded_by": "platform" if promo.platform_funded else "merchant",
                "lines": {cart_lines[i].id: money[v] for i, v in shares.items()},  # kept in line order
            }  # fmt: skip
            entry.update(more)
            applied.append(entry)
        out["applied"] = applied
        out["not_applied"] = [_skipped_json(s) for s in self.not_applied]
        out.update(self._tail())
        if self._stamp is not None and self._stamp[1] is not None:
            out["seal"] = seal(out, self._stamp[1])
        return out

    def _shop_rows(self, shop_pay: dict[str, int]) -> Iterator[tuple[str, int, int, int, int, int | None]]:
        """Per shop: (id, postage, payable, merchant-funded, platform-funded, postage waived or None)."""
        extras = self._p.extras
        waived = extras.waived if self._camp.has_postage else None
        postage = extras.postage
        for s, (m, pf) in self.funding().items():
            post = postage[s]
            yield s, post, shop_pay.get(s, 0) + post, m, pf, None if waived is None else waived.get(s, 0)

    def to_json(self, indent: int | None = 1) -> str:
        """The quote as JSON text (docs/formats.md): one space per level by default; ``indent=None`` is
        compact (no whitespace), the form a service sends. The text is that of
        ``json.dumps(quote.to_dict(), ensure_ascii=False, indent=indent)``."""
        if (self._stamp is not None and self._stamp[1] is not None) or not (
            indent is None or (type(indent) is int and 0 <= indent <= MAX_FAST_INDENT)
        ):
            # a seal is taken over the data; other indents take the generic writer (the fast one keeps texts
            # per indent, so it serves a bounded few)
            return dumps(self.to_dict(), indent)
        try:
            return _write_json(self, indent)
        except Unsupported:
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


_ORDER = attrgetter("promo.order")
_MORE_KINDS = frozenset({"coins", "free_postage", "gift"})  # kinds whose applied entry has fields after its lines


_AT: dict[tuple[float, Any], str] = {}  # (timestamp, zone) -> ISO text; bounded, a checkout's times repeat


def _at_text(at: float, tz: Any) -> str:
    k = (at, tz)
    s = _AT.get(k)
    if s is None:
        s = datetime.fromtimestamp(at, tz).isoformat()
        if len(_AT) < 4096:
            _AT[k] = s
    return s


class _Texts(dict):  # type: ignore[type-arg]
    """fen -> ``fmt(fen)``, made on first use; bounded, the same amounts recur from line to line and quote to
    quote. Read by subscript (``_TEXTS[fen]``): cheaper than calling a function per amount."""

    def __missing__(self, fen: int) -> str:
        s = fmt(fen)
        if len(self) < 65536:
            self[fen] = s
        return s


_TEXTS = _Texts()


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


class _Tokens:
    """The fixed text of a quote's JSON for one indent, as ``%`` templates put together once."""

    def __init__(self, indent: int | None) -> None:
        lay = Layout(indent)
        self.lay = lay
        ind = lay.ind
        c = lay.colon

        def k(name: str, d: int = 3, first: bool = False) -> str:
            return ("" if first else ",") + ind[d] + '"' + name + '"' + c

        disc = k("discounts") + "{" + k("item", 4, True) + "%s" + k("shop", 4) + "%s" + k("coupon", 4) + "%s"
        disc += k("platform", 4) + "%s"
        head = "{" + k("id", 3, True) + "%s" + k("shop") + "%s" + k("item") + "%s" + k("category") + "%s"
        head += k("qty") + "%d" + k("subtotal") + "%s" + disc
        tail = k("payable") + "%s" + k("units") + "[" + ind[4] + "%s" + ind[3] + "]" + k("lowest_unit_price") + "%s"
        self.line = head + ind[3] + "}" + tail
        paid = k("paid_by") + "{" + k("cash", 4, True) + "%s" + k("coins", 4) + "%s" + k("red_packets", 4) + "%s"
        self.line_paid = head + k("payment", 4) + "%s" + ind[3] + "}" + tail + paid + ind[3] + "}"
        # the same templates as the fixed text between their fields: joined once with the whole document
        self.line_parts = tuple(self.line.replace("%d", "%s").split("%s"))
        self.line_paid_parts = tuple(self.line_paid.replace("%d", "%s").split("%s"))
        self.unit_sep = "," + ind[4]
        self.run = "{" + k("amount", 5, True) + "%s" + k("count", 5) + "%d" + ind[4] + "}"
        self.vip88 = k("vip88") + "true"
        self.title = k("title")
        self.stage_deposit = k("stage") + '"deposit"'
        self.stage_final = k("deposit_paid") + "%s" + k("stage") + '"final"'
        self.close = ind[2] + "}"
        self.item_sep = "," + ind[2]
        self.top_sep = "," + ind[1]
        self.shop = ("{" + k("id", 3, True) + "%s" + k("postage") + "%s" + k("payable") + "%s" + k("merchant_funded")
                     + "%s" + k("platform_funded") + "%s")  # fmt: skip
        self.shop_parts = tuple(self.shop.split("%s"))
        self.waived = k("postage_waived")
        self.applied_pre = "{" + k("id", 3, True) + "%s" + k("kind") + "%s" + k("layer") + "%s" + k("amount")
        self.applied_mid = k("funded_by") + "%s" + k("lines")
        self.head = ("{" + k("campaign", 1, True) + "%s" + k("at", 1) + "%s" + k("currency", 1) + '"CNY"'
                     + k("subtotal", 1) + "%s" + k("discount", 1) + "%s" + k("payable", 1) + "%s")  # fmt: skip
        self.head_parts = tuple(self.head.split("%s"))
        self.postage = k("postage", 1)
        self.keys = {name: lay.key(name) for name in ("deposit_paid", "lines", "shops", "applied", "not_applied")}
        # a voucher or cross-shop pool: a dict at depth 4 in the applied entry's list of pools
        self.pool = "{" + k("tiers", 5, True) + "%s" + k("base", 5) + "%s" + k("amount", 5) + "%s" + k("lines", 5) + "%s"
        self.pool_parts = tuple(self.pool.split("%s"))
        self.pool_close = ind[4] + "}"
        self.pools_open = "[" + ind[4]
        self.pools_sep = "," + ind[4]
        self.pools_close = ind[3] + "]"
        self.pool_lines_open = "[" + ind[6]
        self.pool_lines_sep = "," + ind[6]
        self.pool_lines_close = ind[5] + "]"
        self.pool_key = {name: k(name, 5) for name in ("reason", "gap", "vouchers")}
        self.share_sep = "," + ind[4]
        self.shares_open = "{" + ind[4]
        self.shares_close = ind[3] + "}"
        self.extra = {name: k(name) for name in APPLIED_FIELDS}
        self.layers = {n: '"' + name + '"' for n, name in LAYER_NAMES.items()}
        self.funded = ('"merchant"', '"platform"')


_TOKENS: dict[int | None, _Tokens] = {}
MAX_FAST_INDENT = 8


class _Quoted(dict):  # type: ignore[type-arg]
    """fen -> its text in quotes, made on first use; bounded, the same amounts recur."""

    def __missing__(self, fen: int) -> str:
        s = '"' + fmt(fen) + '"'
        if len(self) < 65536:
            self[fen] = s
        return s


_QM = _Quoted()


class _QuotedText(dict):  # type: ignore[type-arg]
    """text -> its JSON string, made on first use; bounded (short texts, a few thousand of them): ids,
    items and categories recur, and a client sending long or ever new ids fills nothing large."""

    def __missing__(self, text: str) -> str:
        s: str = _quote(text)
        if len(text) <= 64 and len(self) < 16384:
            self[text] = s
        return s


_QT = _QuotedText()
_QTY = tuple(str(n) for n in range(UNIT_LIST_MAX + 1))  # the text of a small quantity


def _pools_text(pools: list[dict[str, Any]], qids: list[str], t: _Tokens, parts: dict[Any, Any]) -> str:
    """The text of ``[_pool_json(pool) ...]`` as an applied entry holds it (``qids``: the line ids, quoted;
    ``parts``: the campaign's fixed texts for this layout, where each pool's tiers are written once)."""
    if not pools:
        return "[]"
    qm = _QM
    out = []
    for pool in pools:
        ids = pool["lines"]  # positions in line order: as many as the cart has lines means every line
        if not ids:
            lt = "[]"
        else:
            listed = qids if len(ids) == len(qids) else [qids[i] for i in ids]
            lt = t.pool_lines_open + t.pool_lines_sep.join(listed) + t.pool_lines_close
        tiers = pool["tiers"]
        tt = parts.get(tiers)
        if tt is None:
            tt = parts[tiers] = _quote(str(tiers))
        base = pool["base"]
        amount = pool["amount"]
        val = t.lay.value
        p0, p1, p2, p3, p4 = t.pool_parts
        text = "".join((p0, tt, p1, qm[base] if type(base) is int else val(base, 5), p2,
                        qm[amount] if type(amount) is int else val(amount, 5), p3, lt, p4))  # fmt: skip
        if len(pool) > 4:
            for k, v in pool.items():
                if k in _POOL_FIXED:
                    continue
                kk = t.pool_key.get(k)
                if kk is None:
                    raise Unsupported  # a field this writer does not know: the generic writer decides
                if type(v) is int:  # a gap in fen, or a count of vouchers
                    text += kk + (qm[v] if k == "gap" else int.__repr__(v))
                else:
                    text += kk + val(v, 5)
        out.append(text + t.pool_close)
    return t.pools_open + t.pools_sep.join(out) + t.pools_close


_POOL_FIXED = frozenset({"tiers", "base", "amount", "lines"})


def _write_json(q: Quote, indent: int | None) -> str:
    """The text of ``dumps(q.to_dict(), indent)`` written from the quote's own objects (no seal)."""
    t = _TOKENS.get(indent)
    if t is None:
        t = _TOKENS[indent] = _Tokens(indent)
    lay = t.lay
    ind = lay.ind
    val = lay.value
    qt = _quote
    qm = _QM
    p_ = q._p
    ctx = p_.ctx
    has_payment = q._camp.has_payment
    coins_of = q._coins_of() if has_payment else {}
    tender = q.tender
    dep = ctx.dep
    unit_w = ctx.unit_w
    pay = q.line_payables
    (c_item, c_shop, c_coupon, c_platform, c_payment), left_out, fund = q._per_line
    qids: list[str] = []  # per line: its id quoted and the colon after it (a key of an entry's lines)
    plain_ids: list[str] = []
    shop_pay: dict[str, int] = {}
    unit_sep = t.unit_sep
    close = t.close
    has_presale = ctx.has_presale
    colon = lay.colon
    key = lay.key
    top_sep = t.top_sep
    camp = q._camp
    qtext = _QT
    qtys = _QTY
    h0, h1, h2, h3, h4, h5 = t.head_parts
    out = [h0, qtext[camp.id], h1, qt(_at_text(p_.at, camp.tz)), h2, qm[q.subtotal], h3, qm[q.discount], h4,
           qm[q.payable], h5, top_sep]  # fmt: skip
    if q.deposit_paid:
        out += [t.keys["deposit_paid"], qm[q.deposit_paid], top_sep]
    opened = "[" + ind[2]
    closed = ind[1] + "]"
    item_sep = t.item_sep
    between = close + item_sep
    out.append(t.keys["lines"])
    sep = opened
    if has_payment:
        f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17 = t.line_paid_parts
    else:
        f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13 = t.line_parts
    i = -1
    for ln in ctx.lines:
        i += 1
        qid = qtext[ln.id]
        plain_ids.append(qid)
        qids.append(qid + colon)
        p = pay[i]
        if has_presale:  # else summed per shop below
            shop_pay[ln.shop] = shop_pay.get(ln.shop, 0) + p
        cat = ln.category
        qty = ln.qty
        total = p + dep[i]
        qp = qm[p]
        if qty == 1:
            ut = qp if total == p else qm[total]
            lowest = total + left_out[i]
        elif unit_w[i] is None and qty <= UNIT_LIST_MAX:
            k, r = divmod(total, qty)  # equal weights: the left-over fen go to the first units
            if qty == 2:
                ut = qm[k + r] + unit_sep + qm[k]
            else:
                ut = unit_sep.join([qm[k + 1]] * r + [qm[k]] * (qty - r))
            lowest = (total + left_out[i]) // qty
        else:
            runs = q.unit_runs(i)
            if qty <= UNIT_LIST_MAX:
                ut = unit_sep.join([qm[v] for v, n in runs for _ in range(n)])
            else:
                ut = unit_sep.join([t.run % (qm[v], n) for v, n in runs])
            lowest = q.lowest_unit_price(i)
        sub = ln.price * qty if not has_presale else q._line_subtotal(i)
        qc = qtext[cat] if type(cat) is str else val(cat, 3)
        qn = qtys[qty] if qty <= UNIT_LIST_MAX else str(qty)
        if has_payment:
            coins = coins_of.get(i, 0)
            out += (sep, f0, qid, f1, qtext[ln.shop], f2, qtext[ln.item], f3, qc, f4, qn, f5, qm[sub], f6, qm[c_item[i]],
                    f7, qm[c_shop[i]], f8, qm[c_coupon[i]], f9, qm[c_platform[i]], f10, qm[c_payment[i]], f11, qp,
                    f12, ut, f13, qm[lowest], f14, qp, f15, qm[coins], f16, qm[tender[i] - coins], f17)  # fmt: skip
            if ln.vip88:
                out.append(t.vip88)
        else:
            out += (sep, f0, qid, f1, qtext[ln.shop], f2, qtext[ln.item], f3, qc, f4, qn, f5, qm[sub], f6, qm[c_item[i]],
                    f7, qm[c_shop[i]], f8, qm[c_coupon[i]], f9, qm[c_platform[i]], f10, qp, f11, ut, f12,
                    qm[lowest], f13)  # fmt: skip
        if ln.title is not None:
            out += (t.title, val(ln.title, 3))
        if ln.presale is not None:
            out.append(t.stage_deposit if ln.presale.deposit_stage else t.stage_final % qm[dep[i]])
        sep = between
    if p_.extras.gifts:
        for g in q._gift_dicts():
            out += (sep, val(g, 2)[: -len(close)])  # each item's close is added once
            sep = between
    out.append(close + closed if sep is between else "[]")
    if camp.has_postage or has_payment:
        for k, v in q._middle():
            out += [top_sep, key(k), val(v, 1)]
    else:
        out += [t.postage, qm[q.postage]]
    if not has_presale:  # every line is in ``by_shop``
        pay_of = pay.__getitem__
        for shop, idx in ctx.by_shop.items():
            shop_pay[shop] = sum(map(pay_of, idx))
    extras = p_.extras
    postage = extras.postage
    waived = extras.waived if q._camp.has_postage else None
    s0, s1, s2, s3, s4, s5 = t.shop_parts
    out += (top_sep, t.keys["shops"])
    sep = opened
    for s, (m, pf) in fund.items():
        post = postage[s]
        out += (sep, s0, qtext[s], s1, qm[post], s2, qm[shop_pay[s] + post], s3, qm[m], s4, qm[pf], s5)
        if waived is not None:
            out += (t.waived, qm[waived.get(s, 0)])
        sep = between
    out.append(close + closed if sep is between else "[]")
    layers = t.layers
    funded = t.funded
    share_sep = t.share_sep
    shares_open = t.shares_open
    shares_close = t.shares_close
    more_kinds = _MORE_KINDS
    parts = camp.texts.get(indent)
    if parts is None:
        parts = camp.texts[indent] = {}
    out += [top_sep, t.keys["applied"]]
    applied = q.applied
    sep = opened
    for a in applied:
        promo = a.promo
        shares = a.shares
        fixed = parts.get(promo)
        if fixed is None:  # the same for every quote of the campaign
            mid = t.applied_mid % funded[1 if promo.platform_funded else 0]
            fixed = parts[promo] = (t.applied_pre % (qt(promo.id), qt(promo.kind), layers[promo.layer]),
                                    mid + shares_open, mid + "{}", promo.kind not in more_kinds)  # fmt: skip
        simple = fixed[3] and a.packets is None
        if simple:
            amount = qm[sum(shares.values())]
        else:
            text, more = q._applied_more(a)
            amount = qt(text) if text else qm[sum(shares.values())]
        if shares:
            out += (sep, fixed[0], amount, fixed[1])
            for i, v in shares.items():  # shares are kept in line order
                out += (qids[i], qm[v], share_sep)
            out[-1] = shares_close
        else:
            out += (sep, fixed[0], amount, fixed[2])
        if simple:
            if a.vouchers is not None:
                out += (t.extra["vouchers"], val(a.vouchers, 3))
            if a.pools is not None:
                out += (t.extra["pools"], _pools_text(a.pools, plain_ids, t, parts))
        else:
            for k, v in more:
                out += (t.extra[k], val(v, 3))
        sep = between
    out.append(close + closed if applied else "[]")
    skipped = q.not_applied
    out += [top_sep, t.keys["not_applied"], val([_skipped_json(s) for s in skipped], 1) if skipped else "[]"]
    for k, v in q._tail():
        out += [top_sep, key(k), val(v, 1)]
    out += [ind[0], "}"]
    return "".join(out)
