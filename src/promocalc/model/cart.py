"""The cart (checkout request): checked by hand at the edge, fast, into plain objects.

Pydantic would add more than the whole pricing pass costs for a typical cart,
so carts are validated here directly; every problem is collected with its path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine.cart import Cart, Line, Presale
from ..errors import CartError, Loc, Problem, raise_problems
from ..money import KNOWN_FEN, MoneyError, to_fen
from ..timeutil import parse_time
from .fields import MAX_ID_CHARS, check_attrs, check_id, has_control, shown, unknown_fields

if TYPE_CHECKING:
    from ..engine.compile import Compiled

MAX_LINES = 10_000
MAX_QTY = 1_000_000
MAX_CART_UNITS = 2_000_000
MAX_WALLET = 1_000  # coupon ids held plus voucher kinds held
MAX_VOUCHERS = 1_000_000  # vouchers of one kind held
CART_FIELDS = ("at", "buyer", "postage", "lines", "wallet", "use", "use_coins", "use_vip88", "attrs")
BUYER_FIELDS = ("id", "credit", "groups", "allowance_balance", "region", "coins", "vip88", "vip88_quota_left")
LINE_FIELDS = ("id", "shop", "item", "category", "price", "qty", "platform_eligible", "presale", "title", "vip88",
               "attrs")  # fmt: skip
PRESALE_FIELDS = ("deposit", "deposit_value", "instant_off", "stage")
WALLET_FIELDS = ("coupons", "vouchers", "red_packets")
MAX_COINS = 10**12
MAX_RED_PACKETS = 1_000  # red packets of one kind held
MAX_TITLE = 200
_CART_KEYS = frozenset(CART_FIELDS)
_BUYER_KEYS = frozenset(BUYER_FIELDS)
_WALLET_KEYS = frozenset(WALLET_FIELDS)
_TIMES: dict[tuple[str, Any], float] = {}  # (time text, zone) -> epoch seconds; bounded, checkout times repeat


def _str(v: Any, loc: Loc, problems: list[Problem], what: str) -> str:
    if isinstance(v, str) and v:
        check_id(v, loc, problems, what)
        return v
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10**18:
        return str(v)
    problems.append(Problem("type", loc, f"{what} must be a non-empty string, got {_got(v)}"))
    return ""


def _got(v: Any) -> str:
    """A bad value as a message shows it: short, escaped, never a whole nested document."""
    if isinstance(v, (dict, list)):
        return f"a {'mapping' if isinstance(v, dict) else 'list'}"
    return shown(repr(v), 60)


def _title(v: Any, loc: Loc, problems: list[Problem]) -> str | None:
    """A line title: plain text of one line, at most MAX_TITLE characters."""
    if not isinstance(v, str) or not v.strip():
        problems.append(Problem("type", loc, f"title must be non-empty text, got {v!r}"))
        return None
    if len(v) > MAX_TITLE:
        problems.append(Problem("too_long", loc, f"title is longer than {MAX_TITLE} characters"))
        return None
    if any(c < " " or "\x7f" <= c <= "\x9f" for c in v):
        problems.append(Problem("control_char", loc, "title must not contain control characters (tabs, new lines)"))
        return None
    return v.strip()


def _money(v: Any, loc: Loc, problems: list[Problem]) -> int:
    try:
        return to_fen(v)
    except MoneyError as e:
        problems.append(Problem("money", loc, str(e)))
        return 0


def _int(v: Any, loc: Loc, problems: list[Problem], what: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        problems.append(Problem("type", loc, f"{what} must be a whole number, got {_got(v)}"))
        return lo
    if not lo <= v <= hi:
        problems.append(Problem("range", loc, f"{what} {v} must be between {lo} and {hi}"))
        return lo
    return v


def parse_cart(data: Any, camp: Compiled) -> Cart:
    """Validate a cart mapping against a compiled campaign; raise :class:`CartError` listing every problem."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise CartError("a cart must be a mapping", [Problem("type", (), "a cart must be a mapping")])
    cart = Cart()
    if not data.keys() <= _CART_KEYS:
        unknown_fields(data, CART_FIELDS, (), problems)
    if "attrs" in data:
        check_attrs(data["attrs"], ("attrs",), problems)
    at = data.get("at")
    if at is not None:
        tk = (at, camp.tz) if type(at) is str else None
        t = _TIMES.get(tk) if tk is not None else None  # type: ignore[arg-type]
        if t is not None:
            cart.at = t
        else:
            try:
                cart.at = parse_time(at, camp.tz)
                if tk is not None and len(_TIMES) < 4096:
                    _TIMES[tk] = cart.at
            except ValueError as e:
                problems.append(Problem("time", ("at",), str(e)))
    buyer = data.get("buyer")
    if buyer is None:
        buyer = {}
    if not isinstance(buyer, dict):
        problems.append(Problem("type", ("buyer",), "buyer must be a mapping"))
        buyer = {}
    elif len(buyer) == 1:  # the usual buyer: an id alone
        bid = buyer.get("id")
        if type(bid) is str and bid and len(bid) <= MAX_ID_CHARS and bid.isprintable():
            cart.buyer_id = bid
            buyer = {}
    if buyer:  # anything more than an id
        if not buyer.keys() <= _BUYER_KEYS:
            unknown_fields(buyer, BUYER_FIELDS, ("buyer",), problems)
        if "id" in buyer:
            cart.buyer_id = _str(buyer["id"], ("buyer", "id"), problems, "buyer id")
        if "credit" in buyer:
            cart.credit = _int(buyer["credit"], ("buyer", "credit"), problems, "credit", 0, 10**9)
        groups = buyer.get("groups")
        if groups is not None:
            if not isinstance(groups, list) or not all(isinstance(g, str) and not has_control(g) for g in groups):
                problems.append(Problem("type", ("buyer", "groups"), "groups must be a list of group names"))
            else:
                cart.groups = frozenset(groups)
        if buyer.get("allowance_balance") is not None:
            cart.allowance = _money(buyer["allowance_balance"], ("buyer", "allowance_balance"), problems)
        if buyer.get("region") is not None:
            region = buyer["region"]
            if not isinstance(region, str) or not (len(region) == 6 and region.isascii() and region.isdigit()):
                problems.append(Problem("value", ("buyer", "region"),
                                        f"region must be a six-digit region code, got {_got(region)}"))
            else:
                cart.region = region
        if buyer.get("coins") is not None:
            cart.coins = _int(buyer["coins"], ("buyer", "coins"), problems, "coins", 0, MAX_COINS)
        if "vip88" in buyer:
            cart.vip88 = _bool(buyer["vip88"], False, ("buyer", "vip88"), problems)
        if buyer.get("vip88_quota_left") is not None:
            cart.vip88_quota = _money(buyer["vip88_quota_left"], ("buyer", "vip88_quota_left"), problems)
    if "use_coins" in data:
        cart.use_coins = _bool(data["use_coins"], True, ("use_coins",), problems)
    if "use_vip88" in data:
        cart.use_vip88 = _bool(data["use_vip88"], True, ("use_vip88",), problems)

    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        problems.append(Problem("missing" if lines is None else "type", ("lines",), "a cart needs a non-empty list of lines"))
        lines = []
    elif len(lines) > MAX_LINES:
        problems.append(Problem("too_many", ("lines",), f"a cart has at most {MAX_LINES} lines, got {len(lines)}"))
        lines = []
    shops = camp.shops
    seen: set[str] = set()
    append = cart.lines.append
    units = 0
    new = object.__new__
    longest = MAX_ID_CHARS
    for i, raw in enumerate(lines):
        # fast path: a well-formed plain line is checked inline; anything else gets the full checks below
        if type(raw) is dict and len(raw) == 6:
            try:
                lid = raw["id"]
                shop = raw["shop"]
                item = raw["item"]
                category = raw["category"]
                qty = raw["qty"]
                price_raw = raw["price"]
            except KeyError:
                lid = None  # a field is missing: the full checks below say which
            if (type(lid) is str and type(item) is str and type(category) is str and type(shop) is str
                    and lid and item and category and lid not in seen and shop in shops
                    and len(lid) <= longest and len(item) <= longest and len(category) <= longest
                    and lid.isprintable() and item.isprintable() and category.isprintable()
                    and type(qty) is int and 0 < qty <= MAX_QTY and type(price_raw) is str):  # fmt: skip
                fen = KNOWN_FEN.get(price_raw)
                if fen is None:
                    try:
                        fen = to_fen(price_raw)
                    except MoneyError:
                        fen = None  # the full checks below report it
                if fen is not None:
                    seen.add(lid)
                    # the fields set here, not through Line(...): calling a class costs more than the line's checks
                    ln = new(Line)
                    ln.pos = i
                    ln.id = lid
                    ln.shop = shop
                    ln.item = item
                    ln.category = category
                    ln.price = fen
                    ln.qty = qty
                    ln.eligible = True
                    ln.presale = None
                    ln.title = None
                    ln.vip88 = False
                    append(ln)
                    units += qty
                    continue
        loc: Loc = ("lines", i)
        if not isinstance(raw, dict):
            problems.append(Problem("type", loc, "a line must be a mapping"))
            continue
        unknown_fields(raw, LINE_FIELDS, loc, problems)
        if "attrs" in raw:
            check_attrs(raw["attrs"], loc + ("attrs",), problems)
        missing = [k for k in ("id", "shop", "item", "category", "price", "qty") if k not in raw]
        if missing:
            problems.append(Problem("missing", loc, f"line is missing {', '.join(missing)}"))
            continue
        lid = _str(raw["id"], loc + ("id",), problems, "line id")
        if lid in seen:
            problems.append(Problem("duplicate_id", loc + ("id",), f"line id {shown(lid)!r} is used twice"))
        seen.add(lid)
        shop = _str(raw["shop"], loc + ("shop",), problems, "shop")
        if shop and shop not in shops:
            from .semantics import suggest

            problems.append(Problem("unknown_shop", loc + ("shop",), f"unknown shop {shown(shop)!r}{suggest(shop, shops)}"))
        item = _str(raw["item"], loc + ("item",), problems, "item")
        category = _str(raw["category"], loc + ("category",), problems, "category")
        price = _money(raw["price"], loc + ("price",), problems)
        qty = _int(raw["qty"], loc + ("qty",), problems, "qty", 1, MAX_QTY)
        eligible = raw.get("platform_eligible", True)
        if not isinstance(eligible, bool):
            problems.append(Problem("type", loc + ("platform_eligible",), "platform_eligible must be true or false"))
            eligible = True
        presale = None
        ps = raw.get("presale")
        if ps is not None:
            presale = _presale(ps, price, loc + ("presale",), problems)
        title = raw.get("title")
        if title is not None:
            title = _title(title, loc + ("title",), problems)
        vip88 = _bool(raw.get("vip88"), False, loc + ("vip88",), problems)
        append(Line(i, lid, shop, item, category, price, qty, eligible, presale, title, vip88))
        units += qty
    if units > MAX_CART_UNITS:
        problems.append(Problem("too_many", ("lines",), f"a cart has at most {MAX_CART_UNITS} units in all, got {units}"))

    postage = data.get("postage")
    if postage is None:
        postage = {}
    if not isinstance(postage, dict):
        problems.append(Problem("type", ("postage",), "postage must map shop ids to amounts"))
    else:
        for sid, amount in postage.items():
            if sid not in shops:
                from .semantics import suggest

                problems.append(Problem("unknown_shop", ("postage", sid),
                                        f"unknown shop {shown(str(sid))!r}{suggest(str(sid), shops)}"))
            cart.postage[sid] = _money(amount, ("postage", sid), problems)

    wallet = data.get("wallet")
    if wallet is None:
        wallet = {}
    if not isinstance(wallet, dict):
        problems.append(Problem("type", ("wallet",), "wallet must be a mapping"))
        wallet = {}
    if not wallet.keys() <= _WALLET_KEYS:
        unknown_fields(wallet, WALLET_FIELDS, ("wallet",), problems)
    coupons = wallet.get("coupons")
    if coupons is None:
        coupons = []
    by_id = camp.by_id
    if not isinstance(coupons, list):
        problems.append(Problem("type", ("wallet", "coupons"), "coupons must be a list of coupon ids"))
        coupons = []
    elif len(coupons) > MAX_WALLET:
        problems.append(Problem("too_many", ("wallet", "coupons"), f"a wallet holds at most {MAX_WALLET} coupons"))
        coupons = []
    held: set[str] = set()  # membership in sets: a wallet of hundreds of coupons stays linear
    for j, cid in enumerate(coupons):
        p = by_id.get(cid) if isinstance(cid, str) else None
        if p is None or not p.is_coupon:
            from .semantics import suggest

            known = [x.id for x in camp.promos if x.is_coupon]
            what = "is not a coupon" if p is not None else "is not a coupon of this campaign"
            problems.append(Problem("unknown_coupon", ("wallet", "coupons", j),
                                    f"{_got(cid)} {what}{suggest(str(cid), known)}"))
        elif cid in held:
            problems.append(Problem("duplicate", ("wallet", "coupons", j), f"coupon {cid!r} is listed twice"))
        else:
            held.add(cid)
            cart.coupons.append(cid)
    vouchers = wallet.get("vouchers")
    if vouchers is None:
        vouchers = {}
    if not isinstance(vouchers, dict):
        problems.append(Problem("type", ("wallet", "vouchers"), "vouchers must map voucher ids to counts"))
        vouchers = {}
    elif len(vouchers) > MAX_WALLET:
        problems.append(Problem("too_many", ("wallet", "vouchers"), f"a wallet holds at most {MAX_WALLET} kinds of voucher"))
        vouchers = {}
    for vid, n in vouchers.items():
        p = by_id.get(vid)
        if p is None or not p.is_voucher:
            from .semantics import suggest

            known = [x.id for x in camp.promos if x.is_voucher]
            problems.append(Problem("unknown_voucher", ("wallet", "vouchers", vid),
                                    f"{shown(str(vid))!r} is not a category voucher of this campaign{suggest(str(vid), known)}"))
        if type(n) is int and 0 <= n <= MAX_VOUCHERS:
            cart.vouchers[vid] = n
        else:
            cart.vouchers[vid] = _int(n, ("wallet", "vouchers", vid), problems, "voucher count", 0, MAX_VOUCHERS)

    packets = wallet.get("red_packets")
    if packets is None:
        packets = {}
    if not isinstance(packets, dict):
        problems.append(Problem("type", ("wallet", "red_packets"), "red_packets must map red packet ids to counts"))
        packets = {}
    elif len(packets) > MAX_WALLET:
        problems.append(Problem("too_many", ("wallet", "red_packets"), f"a wallet holds at most {MAX_WALLET} kinds of red packet"))
        packets = {}
    for rid, n in packets.items():
        p = by_id.get(rid)
        if p is None or p.kind != "platform_red_packet":
            from .semantics import suggest

            known = [x.id for x in camp.red_packets]
            problems.append(Problem("unknown_red_packet", ("wallet", "red_packets", rid),
                                    f"{shown(str(rid))!r} is not a platform red packet of this campaign"
                                    f"{suggest(str(rid), known)}"))
        cart.red_packets[rid] = _int(n, ("wallet", "red_packets", rid), problems, "red packet count", 0, MAX_RED_PACKETS)

    use = data.get("use")
    if use is not None:
        if not isinstance(use, list):
            problems.append(Problem("type", ("use",), "use must be a list of coupon ids"))
        elif len(use) > MAX_WALLET:
            problems.append(Problem("too_many", ("use",), f"use names at most {MAX_WALLET} coupons"))
        else:
            cart.use = []
            named: set[str] = set()
            for j, cid in enumerate(use):
                if not isinstance(cid, str) or cid not in held:
                    from .semantics import suggest

                    problems.append(Problem("not_held", ("use", j),
                                            f"coupon {_got(cid)} is not in the wallet{suggest(str(cid), cart.coupons)}"))
                elif cid in named:
                    problems.append(Problem("duplicate", ("use", j), f"coupon {cid!r} is named twice"))
                else:
                    named.add(cid)
                    cart.use.append(cid)
            if len(cart.use) > 1:  # one coupon cannot break a rule between coupons
                problems += _card_rules(cart.use, camp)
    if problems:
        raise_problems(CartError, problems)
    return cart


def _bool(v: Any, default: bool, loc: Loc, problems: list[Problem]) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        problems.append(Problem("type", loc, f"{loc[-1]} must be true or false, got {_got(v)}"))
        return default
    return v


def _presale(ps: Any, price: int, loc: Loc, problems: list[Problem]) -> Presale | None:
    if not isinstance(ps, dict) or "deposit" not in ps:
        problems.append(Problem("missing", loc, "presale needs at least a deposit"))
        return None
    unknown_fields(ps, PRESALE_FIELDS, loc, problems)
    deposit = _money(ps["deposit"], loc + ("deposit",), problems)
    value = _money(ps["deposit_value"], loc + ("deposit_value",), problems) if ps.get("deposit_value") is not None else deposit
    instant = _money(ps.get("instant_off") or 0, loc + ("instant_off",), problems)
    stage = ps.get("stage", "final")
    if stage not in ("final", "deposit"):
        problems.append(Problem("value", loc + ("stage",), f"stage must be 'final' or 'deposit', got {_got(stage)}"))
    if value < deposit:
        problems.append(Problem("value", loc + ("deposit_value",), "deposit_value must not be below the deposit"))
    if value + instant > price:
        problems.append(Problem("value", loc, "deposit_value + instant_off exceed the price: the tail would be negative"))
    return Presale(deposit, value, instant, stage == "deposit")


def _card_rules(use: list[str], camp: Compiled) -> list[Problem]:
    """A named combination must keep the coupon rules: one card kind per shop, one shop coupon, one coupon per item."""
    out: list[Problem] = []
    kinds: dict[str, str] = {}
    shop_cards: dict[str, str] = {}
    items: dict[tuple[str, str], str] = {}
    for j, cid in enumerate(use):
        p = camp.by_id[cid]
        if p.card_kind is None:
            continue
        shop = p.shop or ""
        if shop in kinds and kinds[shop] != p.card_kind:
            out.append(Problem("one_card_kind_per_shop", ("use", j),
                               f"{cid!r} is a {p.card_kind} but shop {shop!r} already uses a {kinds[shop]}: "
                               "one kind of card per shop"))
            continue
        kinds[shop] = p.card_kind
        if p.card_kind in ("shop_coupon", "red_packet"):
            if shop in shop_cards:
                out.append(Problem("one_coupon_per_shop", ("use", j),
                                   f"{cid!r}: shop {shop!r} already uses {shop_cards[shop]!r}; one per shop order"))
            shop_cards[shop] = cid
        else:
            item = next(iter(p.items or ()), "")
            if (shop, item) in items:
                out.append(Problem("one_coupon_per_item", ("use", j),
                                   f"{cid!r}: item {item!r} already uses {items[(shop, item)]!r}; one per item"))
            items[(shop, item)] = cid
    return out
