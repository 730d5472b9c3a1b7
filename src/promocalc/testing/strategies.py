"""Hypothesis strategies for campaign configs and carts (needs ``promocalc[test]``).

Everything generated is a plain mapping in the shapes of docs/formats.md, money always as strings
with two decimals. Sizes stay small (at most 4 shops, 8 lines, 6 coupons) so searches stay fast.
``configs(extras=True)`` adds free postage, gifts, platform red packets, 88VIP and coins; carts for such
a config carry the buyer's region, coins and 88VIP membership and red packets in the wallet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from hypothesis import strategies as st

from ..model.config import Config

__all__ = ["CALENDAR_2020", "DEFAULT_AT", "campaigns_and_carts", "carts", "configs", "valid_uses", "yuan"]

MAX_SHOPS = 4
MAX_LINES = 8
MAX_COUPONS = 6

CALENDAR_2020 = {
    "threshold_setup": {"start": "2020-09-01T10:00", "end": "2020-09-10T22:00"},
    "threshold_edit_deadline": "2020-10-01T00:00",
    "preheat": {"start": "2020-11-01T00:00", "end": "2020-11-11T00:00"},
    "effective": {"start": "2020-11-11T00:00", "end": "2020-11-12T00:00"},
}
"""The calendar generated configs use when they have one (effective: 11 November 2020)."""

DEFAULT_AT = "2020-11-11T10:00:00"
"""Checkout time of generated carts for configs without a calendar or windows."""

_WINDOWS = [
    {"start": "2020-11-11T00:00", "end": "2020-11-12T00:00"},  # contains DEFAULT_AT
    {"start": "2020-11-01T00:00", "end": "2020-11-04T00:00"},  # does not
    [{"start": "2020-11-01T00:00", "end": "2020-11-04T00:00"}, {"start": "2020-11-11T00:00", "end": "2020-11-12T00:00"}],
]
_LEVELS = ("normal", "fine", "premium", "bluebook", "diamond", "vip")
_REGIONS = ("650000", "540000", "310000")  # the first two are the ones free postage may exclude
_COIN_RATES = ("0.02", "0.05", "0.1")
_CARD_KINDS = {"shop_coupon": "shop_coupon", "item_coupon": "item_coupon", "shop_red_packet": "red_packet"}
_COUPON_KINDS = (*_CARD_KINDS, "category_coupon")


def yuan(fen: int) -> str:
    """Integer fen as a money string with two decimals: ``12345 -> "123.45"``."""
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError(f"fen must be a non-negative int, got {fen=!r}")
    return f"{fen // 100}.{fen % 100:02d}"


def _check_size(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an int between {lo} and {hi}, got {value!r}")


# -- money and tiers ------------------------------------------------------------------------------------


def _money(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Fen in [lo, hi], mostly whole yuan (the common case), sometimes with fen."""
    whole = st.integers(max(1, -(-lo // 100)), max(1, hi // 100)).map(lambda y: y * 100)
    return st.one_of(whole.filter(lambda f: lo <= f <= hi), st.integers(lo, hi))


@st.composite
def _stepped(draw: st.DrawFn, max_tiers: int = 3, face: int | None = None) -> list[str]:
    """1–3 stepped ``"SPEND-OFF"`` tiers, strictly increasing, every off below its spend (and a multiple of ``face``)."""
    k = draw(st.integers(1, max_tiers))
    tiers = []
    spend = off = 0
    for _ in range(k):
        if face is not None:
            off = off + face * draw(st.integers(1, 3))
            spend = max(spend + 100, off + 100) + 100 * draw(st.integers(0, 200))
        else:
            spend = max(spend + 100, off + 200) + draw(_money(0, 40000))
            off = draw(st.integers(off + 1, min(spend - 1, off + max(1, spend // 4))))
        tiers.append(f"{yuan(spend)}-{yuan(off)}")
    return tiers


@st.composite
def _every(draw: st.DrawFn) -> str:
    spend = draw(_money(100, 60000))
    off = draw(st.integers(1, max(1, spend // 3)))
    return f"{yuan(spend)}-{yuan(off)}"


def _common(draw: st.DrawFn, windows: bool, audience: bool) -> dict[str, Any]:
    """Optional ``valid`` and ``audience`` fields shared by every promotion."""
    out: dict[str, Any] = {}
    if windows and draw(st.integers(0, 3)) == 0:
        out["valid"] = draw(st.sampled_from(_WINDOWS))
    if audience and draw(st.integers(0, 6)) == 0:
        aud: dict[str, Any] = {}
        if draw(st.booleans()):
            aud["min_level"] = draw(st.sampled_from(_LEVELS[1:4]))
        else:
            aud["exclude_groups"] = ["blacklist"]
        out["audience"] = aud
    if draw(st.integers(0, 5)) == 0:
        out["funded_by"] = draw(st.sampled_from(["merchant", "platform"]))
    return out


# -- configs ------------------------------------------------------------------------------------------


@st.composite
def _shop_promotions(draw: st.DrawFn, sid: str, cats: list[str], windows: bool, audience: bool) -> list[dict[str, Any]]:
    items = [f"{sid}-i{k}" for k in range(3)]
    out: list[dict[str, Any]] = []

    def scope() -> dict[str, Any]:
        kind = draw(st.integers(0, 3))
        if kind == 1:
            return {"scope": {"items": draw(st.lists(st.sampled_from(items), min_size=1, max_size=2, unique=True))}}
        if kind == 2 and cats:
            sc: dict[str, Any] = {"categories": draw(st.lists(st.sampled_from(cats), min_size=1, max_size=2, unique=True))}
            if draw(st.booleans()):
                sc["exclude_items"] = [draw(st.sampled_from(items))]
            return {"scope": sc}
        return {}

    for k in range(draw(st.integers(0, 2))):  # layer 1
        kind = draw(st.sampled_from(["price", "rate", "amount_off"]))
        p: dict[str, Any] = {"id": f"{sid}-item{k}", "kind": kind, "shop": sid}
        if kind == "price":
            p["price"] = yuan(draw(_money(0, 50000)))
        elif kind == "rate":
            p["rate"] = draw(st.sampled_from(["0.5", "0.75", "0.8", "0.85", "0.88", "0.9", "0.95", "0.333"]))
            p["rounding"] = draw(st.sampled_from(["half_up", "drop_fen", "drop_jiao"]))
        else:
            p["off"] = yuan(draw(_money(1, 20000)))
        if draw(st.integers(0, 3)) == 0:
            p["campaign_price"] = True
        if draw(st.integers(0, 3)) == 0:
            p["limit_qty"] = draw(st.integers(1, 3))
        p.update(scope())
        p.update(_common(draw, windows, audience))
        out.append(p)
    for k in range(draw(st.integers(0, 2))):  # layer 2
        p = {"id": f"{sid}-shop{k}", "shop": sid}
        shape = draw(st.integers(0, 4))
        if shape == 0:
            p.update(kind="shop_reduction", tiers=draw(_stepped()))
        elif shape == 4:
            n = draw(st.integers(1, 2))
            spends = sorted(draw(st.lists(_money(100, 50000), min_size=n, max_size=n, unique=True)))
            rates = sorted(draw(st.lists(st.sampled_from(["0.95", "0.9", "0.88", "0.8", "0.7"]),
                                         min_size=n, max_size=n, unique=True)), reverse=True)  # fmt: skip
            p.update(kind="shop_reduction", tiers=[{"spend": yuan(a), "rate": r} for a, r in zip(spends, rates)])
        elif shape == 1:
            p.update(kind="shop_reduction", every=draw(_every()))
            if draw(st.booleans()):
                p["max_off"] = yuan(draw(_money(100, 30000)))
        elif shape == 2:
            n = draw(st.integers(1, 2))
            rates = sorted(draw(st.lists(st.sampled_from(["0.95", "0.9", "0.85", "0.8", "0.7"]),
                                         min_size=n, max_size=n, unique=True)), reverse=True)  # fmt: skip
            p.update(kind="quantity_deal", tiers=[{"items": j + 2, "rate": r} for j, r in enumerate(rates)])
        else:
            p.update(kind="quantity_deal", tiers=[{"items": 2, "off": yuan(draw(_money(1, 20000)))}])
        p.update(scope())
        p.update(_common(draw, windows, audience))
        out.append(p)
    for k in range(draw(st.integers(0, 3))):  # layer 3
        kind = draw(st.sampled_from(["shop_coupon", "shop_coupon", "item_coupon", "item_coupon", "shop_red_packet"]))
        p = {"id": f"{sid}-card{k}", "kind": kind, "shop": sid}
        if kind == "shop_red_packet":
            p["off"] = yuan(draw(_money(1, 3000)))
        else:
            p["tiers"] = draw(_stepped(max_tiers=2))
        if kind == "item_coupon":
            p["scope"] = {"items": [draw(st.sampled_from(items))]}
        elif kind == "shop_coupon":
            p.update(scope())
        p.update(_common(draw, windows, audience))
        out.append(p)
    return out


def configs(
    ruleset: str | None = None,
    negative_lines: str | None = None,
    max_shops: int = 3,
    calendar: bool | None = None,
    windows: bool = True,
    audience: bool = True,
    extras: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid campaign config mappings (``promocalc: 1``) of every promotion kind.

    ``ruleset`` (``sequential``/``parallel``) and ``negative_lines`` (``cap``/``reject``) are drawn
    when ``None``. ``max_shops`` is 1–4. ``calendar``: ``True`` always gives the campaign a calendar
    (effective 11 Nov 2020), ``False`` never, ``None`` sometimes. ``windows`` and ``audience`` let some
    promotions carry a ``valid`` window or an ``audience``. ``extras`` also draws what lies beside and
    after the four layers: ``free_postage`` and ``gift`` promotions, ``platform_red_packet`` kinds, the
    campaign's ``vip88`` setting and shops' ``coins`` rates.
    """
    if ruleset not in (None, "sequential", "parallel"):
        raise ValueError(f"ruleset must be None, 'sequential' or 'parallel', got {ruleset=!r}")
    if negative_lines not in (None, "cap", "reject"):
        raise ValueError(f"negative_lines must be None, 'cap' or 'reject', got {negative_lines=!r}")
    _check_size("max_shops", max_shops, 1, MAX_SHOPS)
    return _configs(ruleset, negative_lines, max_shops, calendar, windows, audience, extras)


@st.composite
def _reached(draw: st.DrawFn) -> dict[str, Any]:
    """The threshold of a free postage or gift promotion: ``spend`` (满X元) or ``items`` (满N件)."""
    if draw(st.integers(0, 2)):
        return {"spend": yuan(draw(_money(100, 40000)))}
    return {"items": draw(st.integers(1, 4))}


@st.composite
def _shop_extras(draw: st.DrawFn, sid: str, windows: bool, audience: bool) -> list[dict[str, Any]]:
    """A shop's free postage (0–2) and gift (0–1) promotions; gift items are never sold by the shop."""
    out: list[dict[str, Any]] = []
    for k in range(draw(st.integers(0, 2))):
        p: dict[str, Any] = {"id": f"{sid}-free{k}", "kind": "free_postage", "shop": sid, **draw(_reached())}
        if draw(st.integers(0, 2)) == 0:
            p["exclude_regions"] = list(_REGIONS[: draw(st.integers(1, 2))])
        if draw(st.integers(0, 3)) == 0:
            p["scope"] = {"items": [f"{sid}-i{draw(st.integers(0, 2))}"]}
        p.update(_common(draw, windows, audience))
        p.pop("funded_by", None)
        out.append(p)
    if draw(st.integers(0, 2)) == 0:
        gifts = [{"item": f"{sid}-gift{j}", "qty": draw(st.integers(1, 2)), "value": yuan(draw(_money(1, 5000)))}
                 for j in range(draw(st.integers(1, 2)))]  # fmt: skip
        p = {"id": f"{sid}-gift", "kind": "gift", "shop": sid, **draw(_reached()), "gifts": gifts}
        p.update(_common(draw, windows, audience))
        p.pop("funded_by", None)
        out.append(p)
    return out


@st.composite
def _red_packets(draw: st.DrawFn, windows: bool, audience: bool) -> list[dict[str, Any]]:
    """0–2 platform red packet kinds: a face value, sometimes a spend threshold and a per-checkout cap."""
    out: list[dict[str, Any]] = []
    for k in range(draw(st.integers(0, 2))):
        p: dict[str, Any] = {"id": f"rp{k}", "kind": "platform_red_packet", "face_value": yuan(draw(_money(1, 3000)))}
        if draw(st.booleans()):
            p["spend"] = yuan(draw(_money(0, 30000)))
        if draw(st.integers(0, 2)) == 0:
            p["max_per_checkout"] = draw(st.integers(1, 10))
        p.update(_common(draw, windows, audience))
        out.append(p)
    return out


@st.composite
def _configs(draw: st.DrawFn, ruleset: str | None, negative_lines: str | None, max_shops: int,
             calendar: bool | None, windows: bool, audience: bool, extras: bool = False) -> dict[str, Any]:  # fmt: skip
    camp: dict[str, Any] = {
        "id": "generated",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "ruleset": ruleset or draw(st.sampled_from(["sequential", "parallel"])),
        "negative_lines": negative_lines or draw(st.sampled_from(["cap", "reject"])),
    }
    if calendar or (calendar is None and draw(st.booleans())):
        camp["calendar"] = CALENDAR_2020
    cats = [f"c{k}" for k in range(draw(st.integers(1, 3)))]
    has_voucher = draw(st.booleans())
    face = draw(st.sampled_from([1000, 1000, 500])) if has_voucher else 1000
    categories: dict[str, Any] = {}
    for c in cats:
        groups = {g: draw(_stepped(face=face)) for g in ("A", "B")[: draw(st.integers(1, 2))]}
        categories[c] = {"name": c.upper(), "voucher_groups": groups}

    n_shops = draw(st.integers(1, max_shops))
    shop_ids = [f"s{k}" for k in range(n_shops)]
    n_cross = draw(st.integers(0, 2))
    cross_ids = [f"xs{k}" for k in range(n_cross)]
    shops: dict[str, Any] = {}
    promotions: list[dict[str, Any]] = []
    for sid in shop_ids:
        member = draw(st.integers(0, 4)) > 0
        shop: dict[str, Any] = {"name": sid.upper(), "campaign_member": member}
        if member:
            shop["voucher_groups"] = {c: draw(st.sampled_from(sorted(categories[c]["voucher_groups"]))) for c in cats}
        if cross_ids and draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                shop["cross_shop_tier"] = draw(_every())
            else:
                shop["cross_shop_tier"] = {draw(st.sampled_from(cross_ids)): draw(_every())}
        if draw(st.integers(0, 3)) == 0:
            shop["postage"] = yuan(draw(_money(0, 2000)))
        if extras:
            if "postage" not in shop and draw(st.booleans()):
                shop["postage"] = yuan(draw(_money(1, 2000)))
            if draw(st.integers(0, 2)):
                coins: dict[str, Any] = {"rate": draw(st.sampled_from(_COIN_RATES))}
                if draw(st.integers(0, 3)) == 0:
                    coins["scope"] = {"items": [f"{sid}-i{draw(st.integers(0, 2))}"]}
                shop["coins"] = coins
        shops[sid] = shop
        promotions += draw(_shop_promotions(sid, cats, windows, audience))
        if extras:
            promotions += draw(_shop_extras(sid, windows, audience))

    platform: list[dict[str, Any]] = []
    if has_voucher:
        v: dict[str, Any] = {"id": "voucher", "kind": "category_voucher", "face_value": yuan(face)}
        v["max_per_checkout"] = draw(st.sampled_from([30, 30, 3]))
        v["presale_tail"] = draw(st.sampled_from(["strict", "inclusive"]))
        platform.append(v)
    for xid in cross_ids:
        x: dict[str, Any] = {"id": xid, "kind": "cross_shop_reduction", "every": draw(_every())}
        if draw(st.integers(0, 2)) == 0:
            x["max_off"] = yuan(draw(_money(100, 40000)))
        x["balance_capped"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            x["scope"] = {"categories": draw(st.lists(st.sampled_from(cats), min_size=1, unique=True))}
        platform.append(x)
    for k in range(draw(st.integers(0, 2))):
        platform.append({"id": f"cc{k}", "kind": "category_coupon", "tiers": draw(_stepped(max_tiers=2)),
                         "scope": {"categories": draw(st.lists(st.sampled_from(cats), min_size=1, unique=True))}})
    ids = [p["id"] for p in platform]
    for p in platform:
        p.update(_common(draw, windows, audience))
        others = [q for q in ids if q != p["id"]]
        if others and draw(st.integers(0, 2)) == 0:
            p["excludes"] = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
    if extras:
        platform += draw(_red_packets(windows, audience))
        if draw(st.integers(0, 2)):
            vip: dict[str, Any] = {"rate": draw(st.sampled_from(["0.95", "0.95", "0.9"]))}
            if draw(st.integers(0, 2)) == 0:
                vip["scope"] = {"categories": [draw(st.sampled_from(cats))]}
            camp["vip88"] = vip
    # platform instruments go before, after or among the shops' promotions: only their own order matters
    promotions = platform + promotions if draw(st.booleans()) else promotions + platform
    return {"promocalc": 1, "campaign": camp, "categories": categories, "shops": shops, "promotions": promotions}


# -- carts --------------------------------------------------------------------------------------------


def _validated(config: Any) -> Config:
    cfg = getattr(config, "config", config)  # a Campaign carries its validated config
    if isinstance(cfg, Config):
        return cfg
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a config mapping, a Config or a Campaign, got {type(config).__name__}")
    return Config.model_validate(dict(config))


def _promotions(cfg: Config) -> list[Any]:
    return list(cfg.promotions)


def _card_ok(chosen: list[Any], p: Any) -> bool:
    """Whether coupon ``p`` may join ``chosen`` under the coupon rules."""
    kind = _CARD_KINDS.get(p.kind)
    if kind is None:
        return True
    for q in chosen:
        if getattr(q, "shop", None) != p.shop or q.kind not in _CARD_KINDS:
            continue
        if _CARD_KINDS[q.kind] != kind or kind != "item_coupon":
            return False
        if (q.scope.items or [""])[0] == (p.scope.items or [""])[0]:
            return False
    return True


def valid_uses(config: Any, coupons: list[str]) -> Iterator[list[str]]:
    """Every ``use`` list the wallet ``coupons`` allow under the coupon rules (the empty one first), in wallet order."""
    cfg = _validated(config)
    by_id = {p.id: p for p in _promotions(cfg)}
    held = [c for c in coupons if c in by_id and by_id[c].kind in _COUPON_KINDS]
    for k in range(len(held) + 1):
        for combo in combinations(held, k):
            chosen: list[Any] = []
            for cid in combo:
                if not _card_ok(chosen, by_id[cid]):
                    break
                chosen.append(by_id[cid])
            else:
                yield list(combo)


def _times(cfg: Config) -> list[str]:
    """Checkout times worth trying: inside the effective window when the calendar has one."""
    cal = cfg.campaign.calendar
    if cal is not None and cal.effective is not None and cal.effective.start:
        start = datetime.fromisoformat(cal.effective.start)
        end = datetime.fromisoformat(cal.effective.end) if cal.effective.end else start + timedelta(days=1)
        span = int((end - start).total_seconds())
        return [(start + timedelta(seconds=s)).isoformat() for s in sorted({0, span // 2, span * 5 // 6, span - 1})]
    out = [DEFAULT_AT]
    for p in _promotions(cfg):
        ws = p.valid if isinstance(p.valid, list) else [p.valid] if p.valid is not None else []
        out += [w.start for w in ws if w.start and w.start not in out]
    return out


def carts(
    config: Any,
    max_lines: int = 6,
    presale: bool = True,
    use: bool | None = None,
    max_coupons: int = MAX_COUPONS,
    at: str | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid cart mappings for ``config`` (a config mapping, or a loaded Campaign).

    Lines use the config's shops and categories (and an extra category no voucher group covers), items
    named in the promotions' scopes plus others; an item keeps one category, price and presale terms in
    a cart. ``presale`` allows presale final payments. ``use``: ``True`` always names a valid coupon
    combination (the coupon rules), ``False`` never, ``None`` sometimes. ``at`` is inside the campaign's effective
    window when the calendar has one, unless ``at`` names the checkout time. Wallets hold at most
    ``max_coupons`` coupons. For a config with the payment layer or free postage, the buyer gets coins,
    88VIP membership and quota, a region, and the wallet red packets, as the config makes them matter.
    """
    _check_size("max_lines", max_lines, 1, MAX_LINES)
    _check_size("max_coupons", max_coupons, 0, MAX_COUPONS)
    cfg = _validated(config)
    if not cfg.shops:
        raise ValueError("config has no shops to draw cart lines from")
    if at is not None:
        datetime.fromisoformat(at)  # raises on a malformed time
    return _carts(cfg, max_lines, presale, use, max_coupons, at)


@st.composite
def _carts(draw: st.DrawFn, cfg: Config, max_lines: int, presale: bool, use: bool | None, max_coupons: int,
           at: str | None) -> dict[str, Any]:  # fmt: skip
    cats = [*cfg.categories, "other"]
    items: dict[str, list[str]] = {sid: [f"{sid}-i{k}" for k in range(3)] for sid in cfg.shops}
    for p in _promotions(cfg):
        shop = getattr(p, "shop", None)
        if shop in items and p.scope is not None:
            items[shop] += [i for i in p.scope.items or () if i not in items[shop]]
    shop_ids = list(cfg.shops)

    vip = cfg.campaign.vip88 is not None
    terms: dict[tuple[str, str], dict[str, Any]] = {}
    lines = []
    for k in range(draw(st.integers(1, max_lines))):
        sid = draw(st.sampled_from(shop_ids))
        item = draw(st.sampled_from(items[sid]))
        t = terms.get((sid, item))
        if t is None:
            price = draw(st.one_of(_money(100, 60000), _money(0, 1000)))
            t = {"category": draw(st.sampled_from(cats)), "price": yuan(price)}
            if presale and price >= 200 and draw(st.integers(0, 5)) == 0:
                deposit = draw(st.integers(1, price // 2))
                value = draw(st.integers(deposit, price // 2))
                instant = draw(st.integers(0, (price - value) // 4))
                t["presale"] = {"deposit": yuan(deposit), "deposit_value": yuan(value), "instant_off": yuan(instant)}
            if draw(st.integers(0, 7)) == 0:
                t["platform_eligible"] = False
            if vip and draw(st.booleans()):
                t["vip88"] = True
            terms[(sid, item)] = t
        lines.append({"id": f"L{k}", "shop": sid, "item": item, "qty": draw(st.integers(1, 3)), **t})

    coupon_ids = [p.id for p in _promotions(cfg) if p.kind in _COUPON_KINDS]
    wallet: dict[str, Any] = {
        "coupons": draw(st.lists(st.sampled_from(coupon_ids), unique=True, max_size=max_coupons)) if coupon_ids else []
    }
    vouchers = [p.id for p in _promotions(cfg) if p.kind == "category_voucher"]
    if vouchers:
        wallet["vouchers"] = {v: draw(st.sampled_from([0, 1, 2, 3, 5, 30, 40])) for v in vouchers}
    buyer: dict[str, Any] = {"id": "buyer", "credit": draw(st.sampled_from([0, 99, 100, 300, 500, 1200, 2000]))}
    if draw(st.integers(0, 5)) == 0:
        buyer["groups"] = ["blacklist"]
    if any(getattr(p, "balance_capped", False) for p in _promotions(cfg)) and draw(st.integers(0, 4)):
        buyer["allowance_balance"] = yuan(draw(st.one_of(_money(0, 30000), st.just(0))))
    packets = [p.id for p in _promotions(cfg) if p.kind == "platform_red_packet"]
    if packets:
        wallet["red_packets"] = {r: draw(st.sampled_from([0, 1, 1, 2, 3, 12])) for r in packets}
    if any(p.kind == "free_postage" for p in _promotions(cfg)) and draw(st.booleans()):
        buyer["region"] = draw(st.sampled_from(_REGIONS))
    coins = any(s.coins is not None for s in cfg.shops.values())
    if coins:
        buyer["coins"] = draw(st.sampled_from([0, 1, 99, 600, 5000, 10**6]))
    if vip:
        buyer["vip88"] = draw(st.integers(0, 3)) > 0
        if draw(st.booleans()):
            buyer["vip88_quota_left"] = yuan(draw(st.one_of(st.just(0), _money(1, 3000), _money(3000, 100000))))
    when = at if at is not None else draw(st.sampled_from(_times(cfg)))
    cart: dict[str, Any] = {"at": when, "buyer": buyer, "lines": lines, "wallet": wallet}
    if coins and draw(st.integers(0, 5)) == 0:
        cart["use_coins"] = False
    if vip and draw(st.integers(0, 5)) == 0:
        cart["use_vip88"] = False
    if draw(st.integers(0, 6)) == 0:
        cart["postage"] = {draw(st.sampled_from(shop_ids)): yuan(draw(_money(0, 1500)))}
    if use or (use is None and draw(st.integers(0, 3)) == 0):
        options = list(valid_uses(cfg, wallet["coupons"]))
        cart["use"] = draw(st.sampled_from(options))
    return cart


@st.composite
def campaigns_and_carts(draw: st.DrawFn, /, max_lines: int = 6, presale: bool = True, use: bool | None = None,
                        **config_options: Any) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """``(config, cart)`` pairs: a config from :func:`configs` (``config_options`` go to it) and a cart for it."""
    config = draw(configs(**config_options))
    return config, draw(carts(config, max_lines=max_lines, presale=presale, use=use))
