"""Refunds and returns: unwind any refund sequence exactly, return instruments only by the rules.

The quote is the order record: its frozen per-unit amounts (``units``) drive every refund. A refund list
is checked whole before anything is applied; a list that cannot be applied is rejected with every problem.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .allocation import allocate
from .errors import CartError, Loc, Problem, raise_problems
from .io.documents import Document
from .money import MoneyError, fmt, to_fen
from .quote import Quote
from .timeutil import in_any, parse_time

if TYPE_CHECKING:
    from .campaign import Campaign

POLICIES = ("proportional", "clawback")
STAGES = ("in_sale", "after_sale")


class _Line:
    __slots__ = ("id", "pos", "shop", "units", "left", "deposit", "a1", "shop_share", "refunded_units", "stages",
                 "last_closed")  # fmt: skip

    def __init__(self, id: str, pos: int, shop: str, units: list[int], deposit: int, a1: int, shop_share: int) -> None:
        self.id = id
        self.pos = pos
        self.shop = shop
        self.units = units  # frozen at checkout
        self.left = list(units)  # what each unit still has paid
        self.deposit = deposit  # per unit, for presale lines
        self.a1 = a1
        self.shop_share = shop_share
        self.refunded_units = 0
        self.stages: set[str] = set()
        self.last_closed: float | None = None

    @property
    def paid(self) -> int:
        return sum(self.units)

    @property
    def remaining(self) -> int:
        return sum(self.left)

    @property
    def full(self) -> bool:
        return self.refunded_units == len(self.units) or self.remaining == 0


class _Instrument:
    __slots__ = ("id", "kind", "layer", "lines", "vouchers", "shares")

    def __init__(self, id: str, kind: str, layer: str, shares: dict[str, int], vouchers: int | None) -> None:
        self.id = id
        self.kind = kind
        self.layer = layer
        self.shares = shares
        self.lines = set(shares)
        self.vouchers = vouchers


class RefundResult:
    """The outcome of a refund list: one entry per refund, the total, what each line still has paid,
    and the instruments returned (vouchers as a count, coupons as ``count: 1``, the allowance as an amount)."""

    def __init__(self, entries: list[dict[str, Any]], total: int, remaining: dict[str, int],
                 returned: list[dict[str, Any]], not_returned: list[dict[str, Any]], policy: str,
                 labels: dict[str, str] | None = None, campaign_name: str = "") -> None:  # fmt: skip
        self.labels = labels or {}  # line and instrument ids -> what a receipt calls them
        self.campaign_name = campaign_name
        self.entries = entries
        self.total = total
        self.remaining = remaining
        self.returned = returned
        self.not_returned = not_returned
        self.policy = policy

    def to_dict(self) -> dict[str, Any]:
        """The refund result of docs/formats.md (money as two-decimal strings)."""
        entries = []
        for e in self.entries:
            d = {k: (fmt(v) if k in ("amount", "deposit", "postage") else v) for k, v in e.items() if not k.startswith("_")}
            entries.append(d)
        returned = [{k: (fmt(v) if k == "amount" else v) for k, v in r.items()} for r in self.returned]
        return {
            "policy": self.policy,
            "refunds": entries,
            "total": fmt(self.total),
            "remaining": {k: fmt(v) for k, v in self.remaining.items()},
            "returned": returned,
            "not_returned": self.not_returned,
        }

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def to_text(self, locale: str = "zh_CN") -> str:
        """Plain words for a customer-service agent: per refund what goes back, and whether instruments return."""
        from .receipt import render_refund

        return render_refund(self, locale)

    def to_html(self, locale: str = "zh_CN") -> str:
        """The refund receipt as an HTML table."""
        from .receipt import refund_table

        return refund_table(self, locale)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<RefundResult total={fmt(self.total)} refunds={len(self.entries)}>"


def _record(order: Any) -> dict[str, Any]:
    if isinstance(order, Quote):
        return order.to_dict()
    if isinstance(order, Document):
        order = order.data
    if isinstance(order, str):
        from .io.documents import load_source

        order = load_source(order).data
    if not isinstance(order, dict):
        raise CartError("the order must be a quote (mapping)", [Problem("type", (), "the order must be a quote mapping")])
    return order


def _money(v: Any, loc: Loc, problems: list[Problem]) -> int:
    try:
        return to_fen(v)
    except MoneyError as e:
        problems.append(Problem("money", loc, str(e)))
        return 0


def _parse_order(rec: dict[str, Any]) -> tuple[list[_Line], list[_Instrument], dict[str, int], str | None]:
    problems: list[Problem] = []
    lines: list[_Line] = []
    raw_lines = rec.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise CartError("order has no lines", [Problem("missing", ("lines",), "the order record has no lines")])
    for i, ln in enumerate(raw_lines):
        loc: Loc = ("lines", i)
        if not isinstance(ln, dict) or not all(k in ln for k in ("id", "shop", "units")):
            problems.append(Problem("missing", loc, "an order line needs id, shop and units"))
            continue
        units = ln["units"]
        if not isinstance(units, list) or not units:
            problems.append(Problem("type", loc + ("units",), "units must be a non-empty list of amounts"))
            continue
        fen = [_money(u, loc + ("units", j), problems) for j, u in enumerate(units)]
        qty = len(fen)
        deposit_total = _money(ln.get("deposit_paid", 0), loc + ("deposit_paid",), problems)
        disc = ln.get("discounts") or {}
        subtotal = _money(ln.get("subtotal", "0"), loc + ("subtotal",), problems)
        item_off = _money(disc.get("item", 0), loc + ("discounts", "item"), problems)
        shop_share = _money(disc.get("shop", 0), loc + ("discounts", "shop"), problems)
        lines.append(_Line(str(ln["id"]), i, str(ln["shop"]), fen, deposit_total // qty, subtotal - item_off, shop_share))
    instruments = []
    for k, a in enumerate(rec.get("applied") or []):
        if not isinstance(a, dict) or "id" not in a:
            problems.append(Problem("type", ("applied", k), "an applied entry needs an id"))
            continue
        shares = {str(lid): _money(v, ("applied", k, "lines", lid), problems) for lid, v in (a.get("lines") or {}).items()}
        instruments.append(_Instrument(str(a["id"]), str(a.get("kind", "")), str(a.get("layer", "")), shares, a.get("vouchers")))
    postage = {}
    for k, s in enumerate(rec.get("shops") or []):
        if isinstance(s, dict) and "id" in s:
            postage[str(s["id"])] = _money(s.get("postage", 0), ("shops", k, "postage"), problems)
    raise_problems(CartError, problems)
    return lines, instruments, postage, rec.get("at")


def apply_refunds(campaign: Campaign, order: Any, refunds: Any, policy: str | None = None) -> RefundResult:
    """Apply a refund list to an order record; see the module docstring. Raises :class:`CartError`."""
    rec = _record(order)
    lines, instruments, postage, at = _parse_order(rec)
    comp = campaign._c
    if isinstance(refunds, Document):
        refunds = refunds.data
    if isinstance(refunds, dict):
        policy = policy or refunds.get("policy")
        items = refunds.get("refunds")
        base: Loc = ("refunds",)
    else:
        items = refunds
        base = ()
    policy = policy or "proportional"
    problems: list[Problem] = []
    if policy not in POLICIES:
        problems.append(Problem("value", ("policy",), f"policy {policy!r} is not one of {', '.join(POLICIES)}"))
    if not isinstance(items, list):
        raise CartError("refunds must be a list", [Problem("type", base, "refunds must be a list of refunds")])
    order_time = parse_time(at, comp.tz) if isinstance(at, str) else None
    by_id = {ln.id: ln for ln in lines}
    book = _Book(comp, lines, instruments, postage, policy)
    # The order record is never touched: the lines here are this call's own copies. Each refund is
    # checked against what the ones before it left, applied, and the whole list is rejected at the end
    # if any of it could not be applied.
    for j, r in enumerate(items):
        loc = base + (j,)
        if not isinstance(r, dict):
            problems.append(Problem("type", loc, "a refund must be a mapping"))
            continue
        lid = str(r.get("line", ""))
        ln = by_id.get(lid)
        if ln is None:
            problems.append(Problem("unknown_line", loc + ("line",), f"unknown line {r.get('line')!r}"))
            continue
        stage = r.get("stage", "in_sale")
        if stage not in STAGES:
            problems.append(Problem("value", loc + ("stage",), f"stage {stage!r} is not 'in_sale' or 'after_sale'"))
        closed = None
        if "closed_at" not in r:
            problems.append(Problem("missing", loc + ("closed_at",), "a refund needs closed_at"))
        else:
            try:
                closed = parse_time(r["closed_at"], comp.tz)
            except ValueError as e:
                problems.append(Problem("time", loc + ("closed_at",), str(e)))
        if closed is not None and order_time is not None and closed < order_time:
            problems.append(Problem("before_order", loc + ("closed_at",), "the refund closed before the order was placed"))
        has_qty, has_amount = "qty" in r, "amount" in r
        if has_qty == has_amount:
            problems.append(Problem("value", loc, "a refund gives either qty (units) or amount (a compensation)"))
            continue
        units_left = len(ln.units) - ln.refunded_units
        # a line that paid nothing can still have its units returned, but not be compensated
        if units_left == 0 or (has_amount and ln.remaining == 0):
            problems.append(Problem("fully_refunded", loc, f"line {lid!r} is already fully refunded"))
            continue
        if has_qty:
            q = r["qty"]
            if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
                problems.append(Problem("value", loc + ("qty",), f"qty must be a positive whole number, got {q!r}"))
                continue
            if q > units_left:
                problems.append(Problem("too_many_units", loc + ("qty",),
                                        f"qty {q} is more than the {units_left} units left on line {lid!r}"))
                continue
            book.units(ln, q, stage, closed)
        else:
            amt = _money(r["amount"], loc + ("amount",), problems)
            if amt <= 0:
                problems.append(Problem("value", loc + ("amount",), "a compensation must be above 0"))
                continue
            if amt > ln.remaining:
                problems.append(Problem("amount_too_large", loc + ("amount",),
                                        f"amount {fmt(amt)} is more than the {fmt(ln.remaining)} line {lid!r} has left"))
                continue
            book.compensate(ln, amt, stage, closed)
    raise_problems(CartError, problems)
    returned, not_returned = _returns(campaign, lines, instruments)
    remaining = {ln.id: ln.remaining for ln in lines}
    entries = book.entries
    return RefundResult(entries, sum(e["amount"] for e in entries), remaining, returned, not_returned, policy,
                        _labels(comp, rec), comp.name or comp.id)  # fmt: skip


def _labels(comp: Any, rec: dict[str, Any]) -> dict[str, str]:
    """What a refund receipt calls each line (its title, else its item) and each instrument (its name)."""
    out = {p.id: p.name for p in comp.promos if p.name}
    for ln in rec.get("lines") or []:
        if isinstance(ln, dict) and "id" in ln:
            label = ln.get("title") or ln.get("item")
            if isinstance(label, str) and label:
                out[str(ln["id"])] = label
    return out


class _Book:
    """The running state of one refund list: per shop order what was paid and what went back."""

    def __init__(self, comp: Any, lines: list[_Line], instruments: list[_Instrument], postage: dict[str, int],
                 policy: str) -> None:  # fmt: skip
        self.comp = comp
        self.instruments = instruments
        self.postage = dict(postage)
        self.policy = policy
        self.shop_lines: dict[str, list[_Line]] = {}
        for ln in lines:
            self.shop_lines.setdefault(ln.shop, []).append(ln)
        self.refunded = dict.fromkeys(self.shop_lines, 0)
        self.paid = {s: sum(ln.paid for ln in ls) for s, ls in self.shop_lines.items()}
        self.entries: list[dict[str, Any]] = []

    def units(self, ln: _Line, q: int, stage: str, closed: float | None) -> None:
        """Refund ``q`` units of ``ln``, first units first."""
        first = ln.refunded_units
        taken = ln.left[first:first + q]
        deposit = sum(min(ln.deposit, u) for u in taken)
        if self.policy == "clawback":
            amount = _clawback(self.comp, ln, q, self.shop_lines[ln.shop], self.paid[ln.shop], self.refunded[ln.shop],
                               self.instruments)  # fmt: skip
        else:
            amount = sum(taken)
        for k in range(first, first + q):
            ln.left[k] = 0
        ln.refunded_units += q
        self._book(ln, {"line": ln.id, "qty": q}, amount, min(deposit, amount), stage, closed)

    def compensate(self, ln: _Line, amount: int, stage: str, closed: float | None) -> None:
        """A compensation: ``amount`` out of the line's remaining units."""
        _compensate(ln.left, ln.refunded_units, amount)
        self._book(ln, {"line": ln.id}, amount, 0, stage, closed)

    def _book(self, ln: _Line, entry: dict[str, Any], amount: int, deposit: int, stage: str, closed: float | None) -> None:
        ln.stages.add(stage)
        if closed is not None and (ln.last_closed is None or closed > ln.last_closed):
            ln.last_closed = closed
        self.refunded[ln.shop] += amount
        entry["amount"] = amount
        if deposit:
            entry["deposit"] = deposit
        if stage == "in_sale" and all(x.full for x in self.shop_lines[ln.shop]) and self.postage.get(ln.shop):
            entry["postage"] = self.postage.pop(ln.shop)
            entry["amount"] = amount + entry["postage"]
        entry["stage"] = stage
        self.entries.append(entry)


def _compensate(left: list[int], first: int, amount: int) -> None:
    """Take a compensation out of the units not yet refunded, by largest remainder of what each holds."""
    live = range(first, len(left))
    for k, c in zip(live, allocate(amount, [left[k] for k in live])):
        left[k] -= c


def _clawback(comp: Any, ln: _Line, q: int, shop: list[_Line], paid: int, refunded: int,
              instruments: list[_Instrument]) -> int:  # fmt: skip
    """Clawback: refund = max(0, paid for the shop order − refunded so far − repriced kept units).

    Kept units are repriced: their frozen amounts plus their shop-layer shares, minus the shop-level
    discount their A1 still earns. What the kept lines still hold is then re-spread over them.
    """
    kept: list[tuple[_Line, int, int, int]] = []  # line, kept units, frozen, A1
    for x in shop:
        start = x.refunded_units + (q if x is ln else 0)
        n = len(x.units) - start
        if n <= 0:
            continue
        frozen = sum(x.units[start:])
        a1_units = allocate(x.a1, x.units) if sum(x.units) else [x.a1 // len(x.units)] * len(x.units)
        share_units = allocate(x.shop_share, x.units) if sum(x.units) else [0] * len(x.units)
        kept.append((x, start, frozen + sum(share_units[start:]), sum(a1_units[start:])))
    repriced = sum(k[2] for k in kept)
    mine = {x.id for x in shop}
    shop_promo = next((i for i in instruments if i.layer == "shop" and i.lines & mine), None)
    promo = comp.by_id.get(shop_promo.id) if shop_promo is not None else None
    if promo is not None and promo.threshold is not None:
        in_scope = [k for k in kept if k[0].id in shop_promo.lines]  # type: ignore[union-attr]
        base = sum(k[3] for k in in_scope)
        items = sum(len(k[0].units) - k[1] for k in in_scope)
        repriced -= min(base, promo.threshold.discount(base, items))  # a discount never exceeds its base
    # never more back than the shop order still holds, never a negative refund
    amount = max(0, min(paid - refunded, paid - refunded - max(0, repriced)))
    # what the kept units still hold after this refund, spread over them
    hold = paid - refunded - amount
    kept_units = [(x, k) for x, start, _, _ in kept for k in range(start, len(x.units))]
    if kept_units:
        spread = allocate(max(0, hold), [x.left[k] or 1 for x, k in kept_units])
        for (x, k), v in zip(kept_units, spread):
            x.left[k] = v
    return amount


def _returns(campaign: Campaign, lines: list[_Line],
             instruments: list[_Instrument]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Which instruments come back: all_or_nothing, per_order, never."""
    comp = campaign._c
    by_id = {ln.id: ln for ln in lines}
    returned: list[dict[str, Any]] = []
    not_returned: list[dict[str, Any]] = []
    for inst in instruments:
        promo = comp.by_id.get(inst.id)
        if promo is None or inst.layer in ("item", "shop"):
            continue
        mode = promo.returns
        touched = [by_id[x] for x in inst.lines if x in by_id]
        if mode == "never" or not touched:
            continue
        if not any(ln.stages for ln in touched):
            continue
        if mode == "per_order":
            amount = 0
            for shop in {ln.shop for ln in touched}:
                mine = [ln for ln in touched if ln.shop == shop]
                if all(ln.full and ln.stages == {"in_sale"} for ln in mine):
                    amount += sum(inst.shares[ln.id] for ln in mine)
            if amount:
                returned.append({"id": inst.id, "amount": amount})
            continue
        reason = None
        if not all(ln.full for ln in touched):
            reason = "partial_refund"
        elif any(ln.stages != {"in_sale"} for ln in touched):
            reason = "after_sale"
        else:
            last = max(ln.last_closed or 0 for ln in touched)
            if not in_any(promo.windows, last):
                reason = "after_window"
        if reason is not None:
            not_returned.append({"id": inst.id, "reason": reason})
        elif inst.vouchers is not None:
            returned.append({"id": inst.id, "vouchers": inst.vouchers})
        else:
            returned.append({"id": inst.id, "count": 1})
    return returned, not_returned
