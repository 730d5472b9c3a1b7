"""The order record: a quote kept by the service, read back strictly and checked before any refund.

Three levels of trust, each catching more:

- ``campaign`` and ``fingerprint`` name the campaign and the exact compiled config the order was priced
  under; a record of another campaign or another config version is refused (``campaign_mismatch``).
- The record's figures must add up (``order_inconsistent``): units to line payables, lines and postage to
  shop and order totals, each applied instrument's shares to its amount, only onto lines of its scope,
  voucher counts within their cap, line ids unique. This catches mistakes and careless edits, not a
  forger who re-balances every total they touch.
- With a signing key, the record carries ``seal``, an HMAC-SHA256 over its canonical JSON; any change at
  all, re-balanced or not, fails to verify (``seal_invalid``), and so does a record without a seal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .allocation import Runs
from .errors import Loc, Problem
from .model.fields import has_control, shown, unknown_fields
from .money import MoneyError, fmt, to_fen

UNIT_LIST_MAX = 100  # a line of more units writes its units as runs of equal amounts
ORDER_FIELDS = ("campaign", "at", "currency", "subtotal", "discount", "payable", "deposit_paid", "lines", "postage",
                "shops", "applied", "not_applied", "optimal", "lower_bound", "fingerprint", "refunds", "seal",
                "postage_waived", "paid_by", "coins_used")  # fmt: skip
LINE_FIELDS = ("id", "shop", "item", "category", "title", "qty", "subtotal", "discounts", "payable", "units",
               "lowest_unit_price", "stage", "deposit_paid", "paid_by", "vip88", "gift", "value", "promotion")  # fmt: skip
SHOP_FIELDS = ("id", "postage", "payable", "merchant_funded", "platform_funded", "postage_waived")
APPLIED_FIELDS = ("id", "kind", "layer", "amount", "funded_by", "lines", "vouchers", "pools", "coins", "packets", "left",
                  "shop", "value", "gifts")  # fmt: skip
PAID_BY_FIELDS = ("cash", "coins", "red_packets")
SKIPPED_FIELDS = ("id", "kind", "layer", "reason", "gap", "tiers", "by", "detail")
HISTORY_FIELDS = ("id", "line", "qty", "amount", "deposit", "postage", "stage", "closed_at", "policy", "gift_kept",
                  "gift_deducted", "gifts")  # fmt: skip
RUN_FIELDS = ("amount", "count")
DISCOUNT_LAYERS = ("item", "shop", "coupon", "platform", "payment")
MAX_HISTORY = 100_000  # refunds kept on one order


def fingerprint(config: Any) -> str:
    """A stable digest of a validated config: equal configs (however written) share it, any change moves it."""
    data = config.model_dump(mode="json")
    return hashlib.sha256(canonical(data)).hexdigest()


def canonical(data: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8; decimals as their text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def signing_key(key: Any) -> bytes | None:
    """A signing key as bytes (text is UTF-8 encoded); ``None`` or empty means no key."""
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"a signing key is text or bytes, got {type(key).__name__}")
    if len(key) < 16:
        raise ValueError("a signing key must be at least 16 bytes long")
    return bytes(key)


def seal(record: dict[str, Any], key: bytes) -> str:
    """The HMAC-SHA256 (hex) of ``record`` without its own ``seal``."""
    body = {k: v for k, v in record.items() if k != "seal"}
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def units_json(runs: Runs, qty: int) -> list[Any]:
    """A line's units as the record writes them: one amount per unit, or runs for a long line."""
    if qty <= UNIT_LIST_MAX:
        return [fmt(v) for v, n in runs for _ in range(n)]
    return [{"amount": fmt(v), "count": n} for v, n in runs]


class Reader:
    """Strict reading of a record's values: every wrong value is a problem at its path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, type_: str, loc: Loc, message: str) -> None:
        self.problems.append(Problem(type_, loc, message))

    def fields(self, d: Any, allowed: tuple[str, ...], loc: Loc, what: str) -> dict[str, Any]:
        if not isinstance(d, dict):
            self.bad("type", loc, f"{what} must be a mapping")
            return {}
        unknown_fields(d, allowed, loc, self.problems)
        return d

    def money(self, v: Any, loc: Loc, default: int | None = None) -> int:
        if v is None and default is not None:
            return default
        try:
            return to_fen(v)
        except MoneyError as e:
            self.bad("money", loc, str(e))
            return 0

    def text(self, v: Any, loc: Loc, what: str) -> str:
        if not isinstance(v, str) or not v:
            self.bad("type", loc, f"{what} must be non-empty text")
            return ""
        if has_control(v) or len(v) > 200:
            self.bad("control_character", loc, f"{what} {shown(v)!r} holds a control character or is too long")
        return v

    def count(self, v: Any, loc: Loc, what: str, lo: int, hi: int) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.bad("type", loc, f"{what} must be a whole number")
            return lo
        if not lo <= v <= hi:
            self.bad("range", loc, f"{what} {v} must be between {lo} and {hi}")
            return lo
        return v

    def units(self, v: Any, loc: Loc, max_units: int) -> Runs:
        """``units``: amounts, one per unit, or ``{amount, count}`` runs (both may be mixed)."""
        if not isinstance(v, list) or not v:
            self.bad("type", loc, "units must be a non-empty list of amounts")
            return []
        out: Runs = []
        seen = 0
        for j, u in enumerate(v):
            if isinstance(u, dict):
                run = self.fields(u, RUN_FIELDS, loc + (j,), "a run of units")
                amount = self.money(run.get("amount"), loc + (j, "amount"))
                n = self.count(run.get("count"), loc + (j, "count"), "count", 1, max_units)
            else:
                amount, n = self.money(u, loc + (j,)), 1
            seen += n
            if seen > max_units:
                self.bad("too_many", loc, f"a line has at most {max_units} units")
                return []
            if out and out[-1][0] == amount:
                out[-1] = (amount, out[-1][1] + n)
            else:
                out.append((amount, n))
        return out


class OrderLine:
    """One line of a record, read and checked."""

    __slots__ = ("id", "pos", "shop", "item", "category", "qty", "units", "deposit", "subtotal", "discounts", "payable",
                 "coins", "red_packets", "gift", "value", "promotion", "presale", "vip88")  # fmt: skip

    def __init__(self, pos: int) -> None:
        self.pos = pos
        self.id = ""
        self.shop = ""
        self.item = ""
        self.category = ""
        self.qty = 0
        self.units: Runs = []
        self.deposit = 0
        self.subtotal = 0
        self.discounts: dict[str, int] = {}
        self.payable = 0
        self.coins = 0  # paid in coins (fen)
        self.red_packets = 0  # paid by platform red packets
        self.gift = False
        self.value = 0  # a gift line: its declared value per unit
        self.promotion = ""  # a gift line: the gift promotion that gave it
        self.presale = False
        self.vip88 = False  # tagged for 88VIP: in its reach whatever the setting's scope


class OrderInstrument:
    """One applied instrument of a record: its shares by line id and, for vouchers, the count used."""

    __slots__ = ("id", "kind", "layer", "amount", "shares", "vouchers", "packets", "left")

    def __init__(self, id: str, kind: str, layer: str, amount: int, shares: dict[str, int], vouchers: int | None) -> None:
        self.id = id
        self.kind = kind
        self.layer = layer
        self.amount = amount
        self.shares = shares
        self.vouchers = vouchers
        self.packets: int | None = None
        self.left = 0


class Order:
    """A record read back: lines, instruments, per-shop postage, the checkout time and the refund history."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.lines: list[OrderLine] = []
        self.instruments: list[OrderInstrument] = []
        self.postage: dict[str, int] = {}
        self.at: str | None = None
        self.history: list[dict[str, Any]] = []


def read_order(rec: dict[str, Any], comp: Any, fp: str, key: bytes | None, max_units: int) -> tuple[Order, list[Problem]]:
    """Read a record strictly and check it against the campaign; the problems say what does not hold."""
    r = Reader()
    order = Order(rec)
    r.fields(rec, ORDER_FIELDS, (), "the order record")
    camp_id = rec.get("campaign")
    if camp_id != comp.id or rec.get("fingerprint") != fp:
        theirs = f"{shown(str(camp_id))!r}" + (f" version {shown(str(rec['fingerprint']))[:12]}" if "fingerprint" in rec else "")
        r.bad("campaign_mismatch", ("campaign",) if camp_id != comp.id else ("fingerprint",),
              f"the order was placed under campaign {theirs}, not {comp.id!r} version {fp[:12]}: "
              "load the config the order was placed under")
        return order, r.problems
    if key is not None:
        given = rec.get("seal")
        if not isinstance(given, str) or not hmac.compare_digest(given, seal(rec, key)):
            r.bad("seal_invalid", ("seal",), "the order record's seal is missing or does not verify: "
                  "it was changed, or sealed with another key")
            return order, r.problems
    if rec.get("currency", "CNY") != "CNY":
        r.bad("value", ("currency",), "the currency must be 'CNY'")
    if not isinstance(rec.get("optimal", True), bool):
        r.bad("type", ("optimal",), "optimal must be true or false")
    if "lower_bound" in rec:
        r.money(rec["lower_bound"], ("lower_bound",))
    if not isinstance(rec.get("fingerprint"), str):
        r.bad("type", ("fingerprint",), "the fingerprint must be text")
    at = rec.get("at")
    if at is not None and not isinstance(at, str):
        r.bad("type", ("at",), "at must be an ISO 8601 date-time")
    order.at = at if isinstance(at, str) else None
    _read_lines(r, rec, order, comp, max_units)
    _read_shops(r, rec, order, comp)
    _read_applied(r, rec, order, comp)
    skipped = rec.get("not_applied", [])
    if not isinstance(skipped, list):
        r.bad("type", ("not_applied",), "not_applied must be a list")
    else:
        for k, s in enumerate(skipped):
            entry = r.fields(s, SKIPPED_FIELDS, ("not_applied", k), "a not_applied entry")
            for f, v in entry.items():
                if f == "gap" and isinstance(v, int) and not isinstance(v, bool):
                    continue
                if not isinstance(v, str) or has_control(v):
                    r.bad("type", ("not_applied", k, f), f"{f} must be printable text")
    history = rec.get("refunds", [])
    if not isinstance(history, list):
        r.bad("type", ("refunds",), "the refund history must be a list")
    elif len(history) > MAX_HISTORY:
        r.bad("too_many", ("refunds",), f"an order keeps at most {MAX_HISTORY} refunds")
    else:
        for k, h in enumerate(history):
            order.history.append(r.fields(h, HISTORY_FIELDS, ("refunds", k), "a refund of the history"))
    if not r.problems:
        _check_sums(r, rec, order, comp)
    return order, r.problems


def _read_lines(r: Reader, rec: dict[str, Any], order: Order, comp: Any, max_units: int) -> None:
    raw = rec.get("lines")
    if not isinstance(raw, list) or not raw:
        r.bad("missing", ("lines",), "the order record has no lines")
        return
    seen: set[str] = set()
    for i, d in enumerate(raw):
        loc: Loc = ("lines", i)
        d = r.fields(d, LINE_FIELDS, loc, "an order line")
        gift = d.get("gift", False) is True
        missing = [k for k in ("id", "shop", "item", "category", "qty", "subtotal", "discounts", "payable", "units")
                   if k not in d and not (gift and k == "category")]  # fmt: skip
        if missing:
            r.bad("missing", loc, f"an order line needs {', '.join(missing)}")
            continue
        ln = OrderLine(i)
        ln.id = r.text(d["id"], loc + ("id",), "line id")
        if ln.id in seen:
            r.bad("order_inconsistent", loc + ("id",), f"line id {shown(ln.id)!r} is used twice")
        seen.add(ln.id)
        ln.shop = r.text(d["shop"], loc + ("shop",), "shop")
        if ln.shop and ln.shop not in comp.shops:
            r.bad("order_inconsistent", loc + ("shop",), f"shop {shown(ln.shop)!r} is not a shop of this campaign")
        ln.item = r.text(d["item"], loc + ("item",), "item")
        ln.category = r.text(d["category"], loc + ("category",), "category") if "category" in d else ""
        ln.gift = gift
        if "vip88" in d and not isinstance(d["vip88"], bool):
            r.bad("type", loc + ("vip88",), "vip88 must be true or false")
        ln.vip88 = d.get("vip88") is True
        if gift:
            ln.value = r.money(d.get("value"), loc + ("value",))
            ln.promotion = r.text(d.get("promotion"), loc + ("promotion",), "promotion")
        if "paid_by" in d:
            paid = r.fields(d["paid_by"], PAID_BY_FIELDS, loc + ("paid_by",), "paid_by")
            ln.coins = r.money(paid.get("coins"), loc + ("paid_by", "coins"), 0)
            ln.red_packets = r.money(paid.get("red_packets"), loc + ("paid_by", "red_packets"), 0)
            if r.money(paid.get("cash"), loc + ("paid_by", "cash")) != r.money(d.get("payable"), loc + ("payable",)):
                r.bad("order_inconsistent", loc + ("paid_by", "cash"), "paid_by.cash is not the line's payable")
        if "title" in d:
            r.text(d["title"], loc + ("title",), "title")
        ln.qty = r.count(d["qty"], loc + ("qty",), "qty", 1, max_units)
        ln.subtotal = r.money(d["subtotal"], loc + ("subtotal",))
        disc = r.fields(d["discounts"], DISCOUNT_LAYERS, loc + ("discounts",), "discounts")
        ln.discounts = {k: r.money(disc.get(k), loc + ("discounts", k), 0) for k in DISCOUNT_LAYERS}
        ln.payable = r.money(d["payable"], loc + ("payable",))
        ln.deposit = r.money(d.get("deposit_paid"), loc + ("deposit_paid",), 0)
        r.money(d.get("lowest_unit_price"), loc + ("lowest_unit_price",), 0)
        stage = d.get("stage")
        if stage is not None and stage not in ("deposit", "final"):
            r.bad("value", loc + ("stage",), "stage must be 'deposit' or 'final'")
        ln.presale = stage is not None
        ln.units = r.units(d["units"], loc + ("units",), max_units)
        order.lines.append(ln)


def _read_shops(r: Reader, rec: dict[str, Any], order: Order, comp: Any) -> None:
    raw = rec.get("shops")
    if not isinstance(raw, list):
        r.bad("type", ("shops",), "shops must be a list")
        return
    for k, d in enumerate(raw):
        loc: Loc = ("shops", k)
        d = r.fields(d, SHOP_FIELDS, loc, "a shop entry")
        sid = r.text(d.get("id"), loc + ("id",), "shop id")
        if sid in order.postage:
            r.bad("order_inconsistent", loc + ("id",), f"shop {shown(sid)!r} is listed twice")
        order.postage[sid] = r.money(d.get("postage"), loc + ("postage",))
        for f in ("payable", "merchant_funded", "platform_funded"):
            r.money(d.get(f), loc + (f,))
        r.money(d.get("postage_waived"), loc + ("postage_waived",), 0)


def _read_applied(r: Reader, rec: dict[str, Any], order: Order, comp: Any) -> None:
    raw = rec.get("applied", [])
    if not isinstance(raw, list):
        r.bad("type", ("applied",), "applied must be a list")
        return
    for k, d in enumerate(raw):
        loc: Loc = ("applied", k)
        d = r.fields(d, APPLIED_FIELDS, loc, "an applied entry")
        pid = r.text(d.get("id"), loc + ("id",), "instrument id")
        shares_raw = d.get("lines")
        if not isinstance(shares_raw, dict):
            r.bad("type", loc + ("lines",), "lines must map line ids to shares")
            shares_raw = {}
        shares = {str(lid): r.money(v, loc + ("lines", lid)) for lid, v in shares_raw.items()}
        vouchers = d.get("vouchers")
        if vouchers is not None:
            vouchers = r.count(vouchers, loc + ("vouchers",), "vouchers", 1, 10**6)
        pools = d.get("pools")
        if pools is not None and (not isinstance(pools, list) or not all(isinstance(p, dict) for p in pools)):
            r.bad("type", loc + ("pools",), "pools must be a list of mappings")
        kind, layer = d.get("kind"), d.get("layer")
        inst = OrderInstrument(pid, str(kind), str(layer), r.money(d.get("amount"), loc + ("amount",)), shares, vouchers)
        if d.get("packets") is not None:
            inst.packets = r.count(d["packets"], loc + ("packets",), "packets", 1, 10)
            inst.left = r.money(d.get("left"), loc + ("left",), 0)
        order.instruments.append(inst)


def _check_sums(r: Reader, rec: dict[str, Any], order: Order, comp: Any) -> None:
    """Every figure of the record against the others and against the campaign."""

    def bad(loc: Loc, message: str) -> None:
        r.bad("order_inconsistent", loc, message)

    by_id: dict[str, OrderLine] = {ln.id: ln for ln in order.lines}
    layer_sums = {ln.id: dict.fromkeys(DISCOUNT_LAYERS, 0) for ln in order.lines}
    for ln in order.lines:
        loc: Loc = ("lines", ln.pos)
        n = sum(c for _, c in ln.units)
        if n != ln.qty:
            bad(loc + ("units",), f"line {shown(ln.id)!r} has {n} units but qty {ln.qty}")
        paid = sum(v * c for v, c in ln.units)
        if paid != ln.payable + ln.deposit:
            bad(loc + ("units",), f"units of line {shown(ln.id)!r} sum to {fmt(paid)}, "
                f"not its payable plus deposit {fmt(ln.payable + ln.deposit)}")
        if ln.subtotal - sum(ln.discounts.values()) - ln.coins - ln.red_packets != ln.payable + ln.deposit:
            bad(loc + ("payable",), f"line {shown(ln.id)!r}: subtotal less discounts is not what it paid")
        if ln.shop not in order.postage:
            bad(loc + ("shop",), f"shop {shown(ln.shop)!r} of line {shown(ln.id)!r} is not in the order's shops")
        if ln.gift:
            gp = comp.by_id.get(ln.promotion)
            if gp is None or gp.kind != "gift" or gp.shop != ln.shop or (ln.item, ln.qty, ln.value) not in gp.gifts:
                bad(loc + ("promotion",), f"gift line {shown(ln.id)!r} is not a gift of {shown(ln.promotion)!r} "
                    f"in shop {shown(ln.shop)!r} as the campaign declares it")
    shops = rec["shops"]
    lines_of: dict[str, list[Any]] = {}
    for ln in order.lines:
        lines_of.setdefault(ln.shop, []).append(ln)
    for k, s in enumerate(shops):
        sid = s["id"]
        mine = lines_of.get(sid, [])
        if not mine:
            bad(("shops", k, "id"), f"shop {shown(sid)!r} has no lines in the order")
        if to_fen(s["payable"]) != sum(ln.payable for ln in mine) + order.postage[sid]:
            bad(("shops", k, "payable"), f"shop {shown(sid)!r}: its lines and postage do not add up to its payable")
        if to_fen(s["merchant_funded"]) + to_fen(s["platform_funded"]) != sum(sum(ln.discounts.values()) for ln in mine):
            bad(("shops", k, "merchant_funded"), f"shop {shown(sid)!r}: funding does not add up to its lines' discounts")
    total_pay = sum(ln.payable for ln in order.lines)
    deposit = sum(ln.deposit for ln in order.lines)
    postage = sum(order.postage.values())
    figures = {"postage": postage, "payable": total_pay + postage, "subtotal": sum(ln.subtotal for ln in order.lines)}
    tender = {"coins": sum(ln.coins for ln in order.lines), "red_packets": sum(ln.red_packets for ln in order.lines)}
    figures["discount"] = figures["subtotal"] - total_pay - deposit - tender["coins"] - tender["red_packets"]
    if "paid_by" in rec:
        paid = r.fields(rec["paid_by"], PAID_BY_FIELDS, ("paid_by",), "paid_by")
        for f, want in (("cash", total_pay + postage), *tender.items()):
            if r.money(paid.get(f), ("paid_by", f)) != want:
                bad(("paid_by", f), f"the order's paid_by.{f} does not add up ({fmt(want)})")
    tender_sums = {ln.id: [0, 0] for ln in order.lines}
    for f, want in figures.items():
        if r.money(rec.get(f), (f,)) != want:
            bad((f,), f"the order's {f} {shown(str(rec.get(f)))} does not add up ({fmt(want)})")
    if r.money(rec.get("deposit_paid"), ("deposit_paid",), 0) != deposit:
        bad(("deposit_paid",), "the order's deposit_paid is not the sum of its lines' deposits")
    seen: set[str] = set()
    for k, inst in enumerate(order.instruments):
        loc = ("applied", k)
        promo = comp.by_id.get(inst.id)
        if promo is None:
            bad(loc + ("id",), f"{shown(inst.id)!r} is not an instrument of this campaign")
            continue
        from .engine.compiled import GIFT, LAYER_NAMES, POSTAGE

        if inst.kind != promo.kind or inst.layer != LAYER_NAMES[promo.layer]:
            bad(loc + ("kind",), f"{inst.id!r} is a {promo.kind} of the {LAYER_NAMES[promo.layer]} layer")
        if inst.id in seen:
            bad(loc + ("id",), f"{inst.id!r} is applied twice")
        seen.add(inst.id)
        if promo.layer in (POSTAGE, GIFT):  # beside the price: they take no share of any line
            if inst.shares:
                bad(loc + ("lines",), f"{inst.id!r} takes no share of a line")
            continue
        if not inst.shares:
            bad(loc + ("lines",), f"{inst.id!r} is applied but gave nothing to any line")
        if sum(inst.shares.values()) != inst.amount:
            bad(loc + ("amount",), f"the shares of {inst.id!r} do not add up to its amount")
        for lid in inst.shares:
            ln = by_id.get(lid)
            if ln is None:
                bad(loc + ("lines", lid), f"{inst.id!r} has a share on line {shown(lid)!r}, which is not in the order")
            elif (promo.shop is not None and promo.shop != ln.shop) or not (
                    promo.in_scope(ln.item, ln.category) or (promo.kind == "vip88" and ln.vip88)):
                bad(loc + ("lines", lid), f"line {shown(lid)!r} is outside the scope of {inst.id!r}")
            elif promo.tender:
                tender_sums[lid][0 if promo.kind == "coins" else 1] += inst.shares[lid]
            else:
                layer_sums[lid][LAYER_NAMES[promo.layer]] += inst.shares[lid]
        if promo.kind == "platform_red_packet":
            if inst.packets is None or inst.packets > promo.max_per_checkout or not (
                    0 <= inst.left < promo.face and inst.amount + inst.left == inst.packets * promo.face):
                bad(loc + ("packets",), f"{inst.packets} red packets of {inst.id!r} are not worth {fmt(inst.amount)}")
        if promo.is_voucher:
            if inst.vouchers is None or inst.vouchers > promo.max_per_checkout:
                bad(loc + ("vouchers",), f"{inst.id!r} uses at most {promo.max_per_checkout} vouchers")
            elif not (inst.vouchers - 1) * promo.face < inst.amount <= inst.vouchers * promo.face:
                bad(loc + ("vouchers",), f"{inst.vouchers} vouchers of {inst.id!r} are not worth {fmt(inst.amount)}")
        elif inst.vouchers is not None:
            bad(loc + ("vouchers",), f"{inst.id!r} is not a voucher")
    for ln in order.lines:
        if tender_sums[ln.id] != [ln.coins, ln.red_packets]:
            bad(("lines", ln.pos, "paid_by"), f"line {shown(ln.id)!r}: coin and red packet shares are not its paid_by")
        for layer in ("shop", "coupon", "platform", "payment"):
            if layer_sums[ln.id][layer] != ln.discounts[layer]:
                bad(("lines", ln.pos, "discounts", layer),
                    f"line {shown(ln.id)!r}: the {layer} instruments' shares are not its {layer} discount")
        if layer_sums[ln.id]["item"] > ln.discounts["item"]:
            bad(("lines", ln.pos, "discounts", "item"), f"line {shown(ln.id)!r}: item shares exceed its item discount")
