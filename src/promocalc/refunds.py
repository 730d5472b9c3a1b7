"""Refunds and returns: unwind any refund sequence exactly, return instruments only by the rules.

The quote is the order record: its frozen per-unit amounts (``units``) drive every refund. The record is
read strictly and checked (see :mod:`promocalc.record`) before anything is applied. The refunds it already
holds (its ``refunds`` history) are replayed first, so every rule sees the whole history; then the new
list is checked whole and applied. A list that cannot be applied is rejected with every problem.

The result's ``order`` is the updated record: a service must store it in place of the old one, or the
next refund would be computed as if this one never happened (and could pay the same units twice).
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from .allocation import Runs, allocate_runs
from .errors import CartError, Loc, Problem
from .io.documents import Document
from .io.jsontext import dumps
from .model.cart import MAX_QTY
from .model.fields import has_control, shown, unknown_fields
from .money import MoneyError, fmt, to_fen
from .quote import Quote
from .record import Order, OrderLine, read_order, seal
from .timeutil import in_any, parse_time

if TYPE_CHECKING:
    from .engine.compile import Compiled


class _Campaign(Protocol):
    """What refunds read from a campaign (kept structural so this module does not import the campaign)."""

    _c: Compiled
    _key: bytes | None

    @property
    def fingerprint(self) -> str: ...

POLICIES = ("proportional", "clawback")
STAGES = ("in_sale", "after_sale")
REQUEST_FIELDS = ("refunds", "policy")
REFUND_FIELDS = ("id", "line", "qty", "amount", "stage", "closed_at", "gift_kept")
MAX_REFUNDS = 10_000  # refunds in one request


def _take(left: Runs, q: int) -> Runs:
    """Remove the first ``q`` units of ``left`` (in place) and return them."""
    taken: Runs = []
    while q:
        v, n = left[0]
        k = min(n, q)
        taken.append((v, k))
        if k == n:
            left.pop(0)
        else:
            left[0] = (v, n - k)
        q -= k
    return taken


def _zip(a: Runs, b: Runs) -> list[tuple[int, int, int]]:
    """Two run lists over the same units, walked together: ``(value_a, value_b, count)``."""
    out = []
    i = j = 0
    na = a[0][1] if a else 0
    nb = b[0][1] if b else 0
    while i < len(a) and j < len(b):
        k = min(na, nb)
        out.append((a[i][0], b[j][0], k))
        na -= k
        nb -= k
        if not na:
            i += 1
            na = a[i][1] if i < len(a) else 0
        if not nb:
            j += 1
            nb = b[j][1] if j < len(b) else 0
    return out


def _merge(pairs: list[tuple[int, int]]) -> Runs:
    out: Runs = []
    for v, n in pairs:
        if n:
            if out and out[-1][0] == v:
                out[-1] = (v, out[-1][1] + n)
            else:
                out.append((v, n))
    return out


def _split(runs: Runs, counts: list[int]) -> list[Runs]:
    """Cut ``runs`` into consecutive pieces of ``counts`` units."""
    rest = list(runs)
    return [_take(rest, c) for c in counts]


def _head(runs: Runs, q: int) -> int:
    """The sum of the first ``q`` units of ``runs``."""
    total = 0
    for v, n in runs:
        if q <= 0:
            break
        k = min(n, q)
        total += v * k
        q -= k
    return total


def _spread_total(amount: int, runs: Runs) -> int:
    """``sum`` of ``allocate_runs(amount, runs)``, without the split: all of it, or nothing when no unit has weight."""
    return amount if amount and sum(w * n for w, n in runs) > 0 else 0


class _Line:
    __slots__ = ("id", "pos", "shop", "item", "category", "qty", "units", "left", "deposit", "paid", "a1",
                 "_a1_runs", "_share_runs", "shop_off", "refunded_units", "stages", "last_closed", "claw", "presale",
                 "withheld", "gift")  # fmt: skip

    def __init__(self, src: OrderLine) -> None:
        self.id = src.id
        self.pos = src.pos
        self.shop = src.shop
        self.item = src.item
        self.category = src.category
        self.qty = src.qty
        self.units = src.units  # frozen at checkout
        self.left: Runs = list(src.units)  # what each unit not yet refunded still has paid
        self.deposit = src.deposit // src.qty  # per unit, for presale lines
        self.paid = src.payable + src.deposit
        self.a1 = src.subtotal - src.discounts["item"]
        self.shop_off = src.discounts["shop"]
        self._a1_runs: Runs | None = None  # per unit, made when a refund of the line needs them
        self._share_runs: Runs | None = None
        self.refunded_units = 0
        self.stages: set[str] = set()
        self.last_closed: float | None = None
        self.claw = 0  # clawback: frozen amount plus shop share of the units still kept
        self.presale = src.presale
        self.gift = src.gift
        self.withheld = 0  # kept gifts' value deducted from this line's refunds: still paid

    @property
    def a1_runs(self) -> Runs:
        """The line's A1 per unit, split as its units were paid."""
        if self._a1_runs is None:
            a1 = self.a1
            self._a1_runs = allocate_runs(a1, self.units) if self.paid else [(a1 // self.qty, self.qty)]
        return self._a1_runs

    @property
    def share_runs(self) -> Runs:
        """The line's shop-layer discount per unit, split as its units were paid."""
        if self._share_runs is None:
            self._share_runs = allocate_runs(self.shop_off, self.units) if self.paid else [(0, self.qty)]
        return self._share_runs

    def a1_total(self) -> int:
        """``sum`` of the units' A1, without splitting it."""
        return _spread_total(self.a1, self.units) if self.paid else self.a1 // self.qty * self.qty

    def share_total(self) -> int:
        """``sum`` of the units' shop-layer shares, without splitting them."""
        return _spread_total(self.shop_off, self.units) if self.paid else 0

    @property
    def remaining(self) -> int:
        return sum(v * n for v, n in self.left)

    @property
    def full(self) -> bool:
        return self.refunded_units == self.qty or self.remaining == 0


class _Instrument:
    __slots__ = ("id", "layer", "lines", "vouchers", "shares")

    def __init__(self, id: str, layer: str, shares: dict[str, int], vouchers: int | None) -> None:
        self.id = id
        self.layer = layer
        self.shares = shares
        self.lines = set(shares)
        self.vouchers = vouchers


class RefundResult:
    """The outcome of a refund list: one entry per refund, the total, what each line still has paid,
    the instruments returned (vouchers as a count, coupons as ``count: 1``, the allowance as an amount),
    and ``order``, the updated order record to store and refund against next time."""

    def __init__(self, entries: list[dict[str, Any]], total: int, remaining: dict[str, int],
                 returned: list[dict[str, Any]], not_returned: list[dict[str, Any]], policy: str,
                 labels: dict[str, str] | None = None, campaign_name: str = "",
                 order: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.labels = labels or {}  # line and instrument ids -> what a receipt calls them
        self.campaign_name = campaign_name
        self.entries = entries
        self.total = total
        self.remaining = remaining
        self.returned = returned
        self.not_returned = not_returned
        self.policy = policy
        self.order = order

    def to_dict(self) -> dict[str, Any]:
        """The refund result shape (money as two-decimal strings), with the updated ``order``."""
        entries = [_entry_json(e) for e in self.entries]
        returned = [{k: (fmt(v) if k == "amount" else v) for k, v in r.items()} for r in self.returned]
        out = {
            "policy": self.policy,
            "refunds": entries,
            "total": fmt(self.total),
            "remaining": {k: fmt(v) for k, v in self.remaining.items()},
            "returned": returned,
            "not_returned": self.not_returned,
        }
        if self.order is not None:
            out["order"] = self.order
        return out

    def to_json(self, indent: int | None = 1) -> str:
        """The result as JSON text: one space per level by default; ``indent=None`` is compact (no
        whitespace), the form a service sends. The text is that of ``json.dumps(result.to_dict(),
        ensure_ascii=False, indent=indent, default=str)``."""
        return dumps(self.to_dict(), indent, text_default=True)

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


def _entry_json(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in e.items():
        if k.startswith("_"):
            continue
        if k in ("amount", "deposit", "postage", "gift_deducted"):
            v = fmt(v)
        elif k == "gifts":
            v = [{**g, "value": fmt(g["value"])} for g in v]
        out[k] = v
    return out


def _record(order: Any) -> tuple[dict[str, Any], Document | None]:
    doc = None
    if isinstance(order, Quote):
        return order.to_dict(), None
    if isinstance(order, Document):
        doc = order
        order = order.data
    elif isinstance(order, str):
        from .io.documents import load_source

        doc = load_source(order)
        order = doc.data
    if not isinstance(order, dict):
        err = CartError("the order must be a quote (mapping)", [Problem("type", (), "the order must be a quote mapping")])
        err.document = doc  # type: ignore[attr-defined]
        raise err
    return order, doc


def _fail(problems: list[Problem], doc: Document | None) -> None:
    """Raise :class:`CartError` for ``problems`` if any, located in ``doc``."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        err = CartError(f"{errors[0].path()}: {errors[0].message}{more}", problems)
        err.document = doc  # type: ignore[attr-defined]
        raise err


def apply_refunds(campaign: _Campaign, order: Any, refunds: Any, policy: str | None = None) -> RefundResult:
    """Apply a refund list on top of an order record's history; see the module docstring. Raises :class:`CartError`."""
    rec, order_doc = _record(order)
    comp = campaign._c
    parsed, problems = read_order(rec, comp, campaign.fingerprint, campaign._key, MAX_QTY)
    _fail(problems, order_doc)
    req_doc = refunds if isinstance(refunds, Document) else None
    if isinstance(refunds, Document):
        refunds = refunds.data
    problems = []
    if isinstance(refunds, dict):
        unknown_fields(refunds, REQUEST_FIELDS, (), problems)
        policy = policy or refunds.get("policy")
        items = refunds.get("refunds")
        base: Loc = ("refunds",)
    else:
        items = refunds
        base = ()
    past = [h.get("policy") for h in parsed.history]
    if policy is None and past:
        policy = past[0]
    policy = policy or "proportional"
    if not isinstance(policy, str) or policy not in POLICIES:
        problems.append(Problem("value", ("policy",), f"policy {shown(str(policy))!r} is not one of {', '.join(POLICIES)}"))
        policy = "proportional"
    if not isinstance(items, list):
        problems.append(Problem("type", base, "refunds must be a list of refunds"))
        items = []
    elif len(items) > MAX_REFUNDS:
        problems.append(Problem("too_many", base, f"a request holds at most {MAX_REFUNDS} refunds"))
        items = []
    order_time = None
    if parsed.at is not None:
        try:
            order_time = parse_time(parsed.at, comp.tz)
        except ValueError as e:
            _fail([Problem("time", ("at",), str(e))], order_doc)
    book = _Book(comp, parsed, policy)
    # the history first: each refund it holds must come out exactly as it was recorded
    history_problems: list[Problem] = []
    ids: set[str] = set()
    for k, h in enumerate(parsed.history):
        loc = ("refunds", k)
        if h.get("policy", policy) != policy:
            history_problems.append(Problem("policy_mismatch", loc + ("policy",),
                                            f"the order's refunds were made under policy {shown(str(h.get('policy')))!r}, "
                                            f"not {policy!r}"))  # fmt: skip
            continue
        want = {k: h[k] for k in ("id", "line", "qty", "stage", "closed_at", "gift_kept") if k in h}
        if "qty" not in h:
            try:
                want["amount"] = fmt(to_fen(h.get("amount")) - to_fen(h.get("postage", "0.00")))
            except MoneyError as e:
                history_problems.append(Problem("money", loc + ("amount",), str(e)))
                continue
        entry = book.request(want, loc, order_time, ids, history_problems, strict=False)
        if entry is None:
            continue
        got = _entry_json(entry)
        for f in ("amount", "deposit", "postage", "gift_deducted", "gifts"):
            if got.get(f) != h.get(f):
                history_problems.append(Problem("order_inconsistent", loc + (f,),
                                                f"refund {k} of the order's history records {f} {shown(str(h.get(f)))}, "
                                                f"but it comes to {got.get(f)}"))  # fmt: skip
    if history_problems:
        _fail([Problem(p.type if p.type in ("order_inconsistent", "policy_mismatch") else "order_inconsistent",
                       p.loc, p.message) for p in history_problems], order_doc)  # fmt: skip
    before_returned, _ = _returns(comp, book.view(), book.instruments)
    book.entries = []
    for j, r in enumerate(items):
        book.request(r, base + (j,), order_time, ids, problems)
    _fail(problems, req_doc)
    lines = book.view()
    returned, not_returned = _returns(comp, lines, book.instruments)
    returned, not_returned = _new_returns(before_returned, returned, not_returned)
    remaining = {ln.id: ln.remaining + ln.withheld for ln in lines}
    entries = book.entries
    history = [dict(h) for h in parsed.history]
    for e in entries:
        h = _entry_json(e)
        h["closed_at"] = datetime.fromtimestamp(e["_closed"], comp.tz).isoformat() if e["_closed"] is not None else None
        h["policy"] = policy
        history.append(h)
    updated = dict(rec)
    updated.pop("seal", None)
    updated["refunds"] = history
    if campaign._key is not None:
        updated["seal"] = seal(updated, campaign._key)
    return RefundResult(entries, sum(e["amount"] for e in entries), remaining, returned, not_returned, policy,
                        _labels(comp, rec), comp.name or comp.id, updated)  # fmt: skip


def _labels(comp: Any, rec: dict[str, Any]) -> dict[str, str]:
    """What a refund receipt calls each line (its title, else its item) and each instrument (its name)."""
    out = {p.id: p.name for p in comp.promos if p.name}
    for ln in rec.get("lines") or []:
        if isinstance(ln, dict) and "id" in ln:
            label = ln.get("title") or ln.get("item")
            if isinstance(label, str) and label:
                out[str(ln["id"])] = label
    return out


def _new_returns(before: list[dict[str, Any]], after: list[dict[str, Any]],
                 not_returned: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """What this list returns: the history's earlier returns are not returned twice."""
    had = {r["id"]: r for r in before}
    out = []
    for r in after:
        old = had.get(r["id"])
        if old is None:
            out.append(r)
        elif "amount" in r and r["amount"] > old["amount"]:
            out.append({"id": r["id"], "amount": r["amount"] - old["amount"]})
        elif "coins" in r and r["coins"] > old["coins"]:
            out.append({"id": r["id"], "coins": r["coins"] - old["coins"]})
    return out, [r for r in not_returned if r["id"] not in had]


class _Book:
    """The running state of an order's refunds: per shop order what was paid and what went back."""

    def __init__(self, comp: Any, order: Order, policy: str) -> None:
        self.comp = comp
        self.policy = policy
        self.lines = [_Line(x) for x in order.lines]
        self.gift_ids = {x.id for x in order.lines if x.gift}
        # the gifts earned at checkout, per (promotion, shop): their declared value in all
        gift_value: dict[tuple[str, str], int] = {}
        for x in order.lines:
            if x.gift:
                gift_value[(x.promotion, x.shop)] = gift_value.get((x.promotion, x.shop), 0) + x.value * x.qty
        self.gifts = [(pid, shop, comp.by_id[pid], v) for (pid, shop), v in gift_value.items()]
        self.gifts_settled: set[tuple[str, str]] = set()  # returned with the goods, or kept and deducted
        self.by_id = {ln.id: ln for ln in self.lines}
        self.instruments = [_Instrument(i.id, i.layer, i.shares, i.vouchers) for i in order.instruments]
        self.postage = dict(order.postage)
        self.shop_lines: dict[str, list[_Line]] = {}
        for ln in self.lines:
            if ln.id not in self.gift_ids:  # gift lines hold nothing and take no share of a clawback hold
                self.shop_lines.setdefault(ln.shop, []).append(ln)
        self.refunded = dict.fromkeys(self.shop_lines, 0)
        self.paid = {s: sum(ln.paid for ln in ls) for s, ls in self.shop_lines.items()}
        self.open = {s: sum(not ln.full for ln in ls) for s, ls in self.shop_lines.items()}
        self.kept_units = {s: sum(ln.qty for ln in ls) for s, ls in self.shop_lines.items()}
        self.pending: dict[str, int] = {}  # clawback: what a shop's kept units hold, not yet spread over them
        self.entries: list[dict[str, Any]] = []
        # clawback state per shop, kept up to date unit refund by unit refund (linear in the history)
        self.claw_kept: dict[str, int] = {}
        self.claw_promo: dict[str, Any] = {}
        self.claw_scope: dict[str, set[str]] = {}
        self.claw_base: dict[str, int] = {}
        self.claw_items: dict[str, int] = {}
        # line id -> (position, instrument) of the first shop-layer instrument on it: a shop's promotion is
        # the first one on any of its lines, found without scanning every instrument for every shop
        first_on: dict[str, tuple[int, _Instrument]] = {}
        for k, i in enumerate(self.instruments):
            if i.layer == "shop":
                for lid in i.lines:
                    first_on.setdefault(lid, (k, i))
        for s, ls in self.shop_lines.items():
            found = [first_on[x.id] for x in ls if x.id in first_on]
            inst = min(found, key=itemgetter(0))[1] if found else None
            promo = comp.by_id.get(inst.id) if inst is not None else None
            self.claw_promo[s] = promo if promo is not None and promo.threshold is not None else None
            scope = inst.lines if inst is not None else set()
            self.claw_scope[s] = scope
            self.claw_kept[s] = sum(sum(v * n for v, n in x.units) + x.share_total() for x in ls)
            self.claw_base[s] = sum(x.a1_total() for x in ls if x.id in scope)
            self.claw_items[s] = sum(x.qty for x in ls if x.id in scope)

    # -- requests ----------------------------------------------------------------------------------

    def request(self, r: Any, loc: Loc, order_time: float | None, ids: set[str], problems: list[Problem],
                strict: bool = True) -> dict[str, Any] | None:  # fmt: skip
        """Check one refund against what the ones before it left and apply it; its entry, or ``None``."""
        if not isinstance(r, dict):
            problems.append(Problem("type", loc, "a refund must be a mapping"))
            return None
        if strict:
            unknown_fields(r, REFUND_FIELDS, loc, problems)
        rid = r.get("id")
        if rid is not None:
            if not isinstance(rid, str) or not rid or has_control(rid) or len(rid) > 200:
                problems.append(Problem("type", loc + ("id",), "a refund id must be short printable text"))
                rid = None
            elif rid in ids:
                problems.append(Problem("duplicate_refund", loc + ("id",),
                                        f"refund {shown(rid)!r} is already in the order's history"))
                return None
            else:
                ids.add(rid)
        raw_line = r.get("line")
        ln = self.by_id.get(raw_line) if isinstance(raw_line, str) else None
        if ln is None:
            problems.append(Problem("unknown_line", loc + ("line",), f"unknown line {shown(repr(raw_line))}"))
            return None
        if ln.id in self.gift_ids:
            problems.append(Problem("gift_line", loc + ("line",),
                                    f"line {shown(ln.id)!r} is a gift: it goes back with the goods that earned it"))
            return None
        kept = r.get("gift_kept", False)
        if not isinstance(kept, bool):
            problems.append(Problem("type", loc + ("gift_kept",), "gift_kept must be true or false"))
            return None
        stage = r.get("stage", "in_sale")
        if not isinstance(stage, str) or stage not in STAGES:
            problems.append(Problem("value", loc + ("stage",), f"stage {shown(repr(stage))} is not 'in_sale' or 'after_sale'"))
            return None
        closed = None
        if "closed_at" not in r:
            problems.append(Problem("missing", loc + ("closed_at",), "a refund needs closed_at"))
        else:
            try:
                closed = parse_time(r["closed_at"], self.comp.tz)
            except ValueError as e:
                problems.append(Problem("time", loc + ("closed_at",), str(e)))
        if closed is not None and order_time is not None and closed < order_time:
            problems.append(Problem("before_order", loc + ("closed_at",), "the refund closed before the order was placed"))
        has_qty, has_amount = "qty" in r, "amount" in r
        if has_qty == has_amount:
            problems.append(Problem("value", loc, "a refund gives either qty (units) or amount (a compensation)"))
            return None
        if has_amount:
            self.materialize(ln.shop)
        units_left = ln.qty - ln.refunded_units
        # a line that paid nothing can still have its units returned, but not be compensated
        if units_left == 0 or (has_amount and ln.remaining == 0):
            problems.append(Problem("fully_refunded", loc, f"line {shown(ln.id)!r} is already fully refunded"))
            return None
        entry: dict[str, Any] = {"id": rid} if rid is not None else {}
        if has_qty:
            q = r["qty"]
            if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
                problems.append(Problem("value", loc + ("qty",), f"qty must be a positive whole number, got {shown(repr(q))}"))
                return None
            if q > units_left:
                problems.append(Problem("too_many_units", loc + ("qty",),
                                        f"qty {q} is more than the {units_left} units left on line {shown(ln.id)!r}"))
                return None
            return self.units(ln, q, stage, closed, entry, kept)
        try:
            amt = to_fen(r["amount"])
        except MoneyError as e:
            problems.append(Problem("money", loc + ("amount",), str(e)))
            return None
        if amt <= 0:
            problems.append(Problem("value", loc + ("amount",), "a compensation must be above 0"))
            return None
        if amt > ln.remaining:
            problems.append(Problem("amount_too_large", loc + ("amount",),
                                    f"amount {fmt(amt)} is more than the {fmt(ln.remaining)} line {shown(ln.id)!r} has left"))
            return None
        return self.compensate(ln, amt, stage, closed, entry, kept)

    def units(self, ln: _Line, q: int, stage: str, closed: float | None, entry: dict[str, Any],
              kept: bool = False) -> dict[str, Any]:  # fmt: skip
        """Refund ``q`` units of ``ln``, first units first; ``kept``: the buyer keeps a gift these units earned."""
        if ln.deposit and ln.shop in self.pending:
            self.materialize(ln.shop)
        was_full = ln.full
        first = ln.refunded_units
        taken = _take(ln.left, q)
        deposit = sum(min(ln.deposit, v) * n for v, n in taken)
        ln.refunded_units += q
        self.kept_units[ln.shop] -= q
        if self.policy == "clawback":
            amount = self._clawback(ln, first, q)
        else:
            amount = sum(v * n for v, n in taken)
        self._track(ln, was_full)
        entry.update({"line": ln.id, "qty": q})
        if kept:
            entry["gift_kept"] = True
        withheld = 0
        if self.gifts:
            value, gifts = self._gifts(ln, kept)
            if gifts:
                withheld = min(value, amount)  # never below zero, and only from this refund
                entry["gifts"] = gifts
                if withheld:
                    entry["gift_deducted"] = withheld
        amount -= withheld
        return self._book(ln, entry, amount, min(deposit, amount), stage, closed, withheld)

    def _gifts(self, ln: _Line, kept: bool) -> tuple[int, list[dict[str, Any]]]:
        """The gifts of ``ln``'s shop whose threshold the goods still kept no longer reach, now settled:
        the declared value the buyer keeps (when ``kept``) and one entry per gift promotion."""
        value = 0
        out: list[dict[str, Any]] = []
        for pid, shop, promo, v in self.gifts:
            if shop != ln.shop or (pid, shop) in self.gifts_settled:
                continue
            if ln.presale or not promo.in_scope(ln.item, ln.category):
                continue  # the base did not move
            if self._gift_base(promo, shop) >= promo.need:
                continue
            self.gifts_settled.add((pid, shop))
            out.append({"id": pid, "kept": kept, "value": v})
            if kept:
                value += v
        return value, out

    def _gift_base(self, promo: Any, shop: str) -> int:
        """What the goods still kept count toward a gift: their A1 (or units) in its scope, presale lines out."""
        total = 0
        for x in self.shop_lines[shop]:
            if x.presale or not promo.in_scope(x.item, x.category):
                continue
            if promo.by_items:
                total += x.qty - x.refunded_units
            else:
                total += _head(x.a1_runs, x.qty) - _head(x.a1_runs, x.refunded_units)
        return total

    def compensate(self, ln: _Line, amount: int, stage: str, closed: float | None, entry: dict[str, Any],
                   kept: bool = False) -> dict[str, Any]:  # fmt: skip
        """A compensation: ``amount`` out of the line's remaining units, by largest remainder of what each holds.

        The goods stay with the buyer, so no gift threshold moves: ``kept`` is recorded, nothing is deducted."""
        was_full = ln.full
        cut = allocate_runs(amount, ln.left)
        ln.left = _merge([(v - c, n) for v, c, n in _zip(ln.left, cut)])
        self._track(ln, was_full)
        entry["line"] = ln.id
        if kept:
            entry["gift_kept"] = True
        return self._book(ln, entry, amount, 0, stage, closed)

    def _track(self, ln: _Line, was_full: bool) -> None:
        if ln.shop not in self.pending and ln.full != was_full:
            self.open[ln.shop] += -1 if ln.full else 1

    def _all_full(self, shop: str) -> bool:
        if shop in self.pending:
            return self.kept_units[shop] == 0 or self.pending[shop] <= 0
        return self.open[shop] == 0

    def _book(self, ln: _Line, entry: dict[str, Any], amount: int, deposit: int, stage: str,
              closed: float | None, withheld: int = 0) -> dict[str, Any]:  # fmt: skip
        ln.stages.add(stage)
        if closed is not None and (ln.last_closed is None or closed > ln.last_closed):
            ln.last_closed = closed
        # a kept gift's deduction leaves the shop order settled as if refunded, but stays paid on the line
        self.refunded[ln.shop] += amount + withheld
        ln.withheld += withheld
        entry["amount"] = amount
        if deposit:
            entry["deposit"] = deposit
        if stage == "in_sale" and self.postage.get(ln.shop) and self._all_full(ln.shop):
            entry["postage"] = self.postage.pop(ln.shop)
            entry["amount"] = amount + entry["postage"]
        entry["stage"] = stage
        entry["_closed"] = closed
        self.entries.append(entry)
        return entry

    # -- clawback ----------------------------------------------------------------------------------

    def _clawback(self, ln: _Line, first: int, q: int) -> int:
        """Clawback: refund = max(0, paid for the shop order − refunded so far − repriced kept units).

        Kept units are repriced: their frozen amounts plus their shop-layer shares, minus the shop-level
        discount their A1 still earns. The per-shop sums are kept up to date refund by refund; what the
        kept units still hold is spread over them only when something needs the per-unit figures.
        """
        s = ln.shop
        gone = _head(ln.units, first + q) - _head(ln.units, first)
        gone += _head(ln.share_runs, first + q) - _head(ln.share_runs, first)
        self.claw_kept[s] -= gone
        if ln.id in self.claw_scope[s]:
            self.claw_base[s] -= _head(ln.a1_runs, first + q) - _head(ln.a1_runs, first)
            self.claw_items[s] -= q
        repriced = self.claw_kept[s]
        promo = self.claw_promo[s]
        if promo is not None:
            base = self.claw_base[s]
            repriced -= min(base, promo.threshold.discount(base, self.claw_items[s]))  # never more than its base
        paid, refunded = self.paid[s], self.refunded[s]
        # never more back than the shop order still holds, never a negative refund
        amount = max(0, min(paid - refunded, paid - refunded - max(0, repriced)))
        self.pending[s] = paid - refunded - amount
        return amount

    def spread(self, shop: str) -> dict[str, Runs]:
        """What each kept unit of ``shop`` holds once the pending amount is spread over them."""
        kept = [x for x in self.shop_lines[shop] if x.qty > x.refunded_units]
        hold = max(0, self.pending[shop])
        weights = [(v or 1, n) for x in kept for v, n in x.left]
        pieces = _split(allocate_runs(hold, weights), [x.qty - x.refunded_units for x in kept])
        return {x.id: p for x, p in zip(kept, pieces)}

    def materialize(self, shop: str) -> None:
        """Spread a shop's pending clawback hold over its kept units."""
        if shop not in self.pending:
            return
        for lid, runs in self.spread(shop).items():
            self.by_id[lid].left = runs
        del self.pending[shop]
        self.open[shop] = sum(not x.full for x in self.shop_lines[shop])

    def view(self) -> list[_Line]:
        """The lines as they stand, pending clawback holds spread over copies (the book is not changed)."""
        out = []
        spreads = {s: self.spread(s) for s in self.pending}
        for ln in self.lines:
            if ln.id in spreads.get(ln.shop, {}):
                c = _Line.__new__(_Line)
                for f in _Line.__slots__:
                    setattr(c, f, getattr(ln, f))
                c.left = spreads[ln.shop][ln.id]
                out.append(c)
            else:
                out.append(ln)
        return out


def _coins_back(coins: int, lines: list[_Line]) -> int:
    """Coins back so far: a one-line checkout returns them all only when fully refunded; otherwise in
    proportion to the goods refunded over the checkout's goods, rounded down to the coin. Goods are
    measured in cash; a checkout that paid no cash at all returns its coins once every line is refunded."""
    goods = [ln for ln in lines if not ln.gift]

    def done(ln: _Line) -> bool:  # a line that paid no cash is done when its units are back
        return ln.refunded_units == ln.qty or (ln.paid > 0 and ln.remaining == 0)

    if len(goods) == 1:
        return coins if done(goods[0]) else 0
    total = sum(ln.paid for ln in goods)
    if not total:
        return coins if all(done(ln) for ln in goods) else 0
    refunded = sum(ln.paid - sum(v * c for v, c in ln.left) for ln in goods)
    return coins * refunded // total


def _returns(comp: Any, lines: list[_Line],
             instruments: list[_Instrument]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Which instruments come back: all_or_nothing, per_order, never."""
    by_id = {ln.id: ln for ln in lines}
    returned: list[dict[str, Any]] = []
    not_returned: list[dict[str, Any]] = []
    for inst in instruments:
        promo = comp.by_id.get(inst.id)
        if promo is None or inst.layer in ("item", "shop", "postage", "gift"):
            continue
        if promo.kind == "coins":
            coins = _coins_back(sum(inst.shares.values()), lines)
            if coins:
                returned.append({"id": inst.id, "coins": coins})
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
