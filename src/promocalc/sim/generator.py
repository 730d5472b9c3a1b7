"""Seeded random carts for a campaign: cart ``i`` depends only on ``(seed, i)``.

Every cart is drawn from its own ``random.Random`` seeded by the generator seed and the cart index,
so a chunk of carts generated on a remote worker is identical to the same carts generated locally.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..engine.cart import Cart, Line, Presale
from ..model.cart import MAX_CART_UNITS, MAX_QTY, MAX_VOUCHERS
from ..model.fields import MAX_ID_CHARS
from ..money import fmt, to_fen
from ..timeutil import parse_time

Weights = Mapping[Any, int]

DEFAULT_LINES: dict[int, int] = {1: 30, 2: 25, 3: 20, 4: 13, 5: 8, 6: 4}
DEFAULT_QTY: dict[int, int] = {1: 70, 2: 20, 3: 7, 5: 3}
DEFAULT_VOUCHERS: dict[int, int] = {0: 25, 3: 20, 5: 20, 10: 20, 30: 15}
DEFAULT_ALLOWANCE: dict[str, int] = {"0.00": 30, "30.00": 20, "60.00": 20, "120.00": 20, "300.00": 10}
DEFAULT_CREDIT: dict[int, int] = {0: 20, 150: 20, 350: 20, 650: 20, 1200: 12, 2000: 8}
COUPON_KINDS = ("shop_coupon", "item_coupon", "shop_red_packet", "category_coupon")


def _weights(name: str, w: Weights) -> tuple[list[Any], list[int]]:
    """Population and cumulative weights, checked once."""
    if not isinstance(w, Mapping) or not w:
        raise ValueError(f"{name} must be a non-empty mapping of value -> weight, got {w!r}")
    pop, cum, total = [], [], 0
    for k, v in w.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name}: weight of {k!r} must be a whole number >= 0, got {v!r}")
        total += v
        pop.append(k)
        cum.append(total)
    if total == 0:
        raise ValueError(f"{name}: weights must not all be 0")
    return pop, cum


def _share(name: str, x: float) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1, got {x!r}")
    return float(x)


class CartGenerator:
    """Deterministic random carts for ``campaign``: ``seed`` and the cart index fix every cart.

    Knobs (all optional): ``shops`` (ids, or id -> weight), ``categories`` (shop -> categories sold),
    ``catalog`` (a list of ``{shop, item, category[, price]}`` replacing the derived one), ``lines`` and
    ``qty`` (value -> weight), ``price_median`` (yuan) and ``price_spread`` (spread of log price),
    ``presale_share`` (share of presale final-payment lines), ``ineligible_share`` (lines flagged
    ``platform_eligible: false``), ``vouchers`` (count held -> weight, per category voucher),
    ``coupon_share`` (chance to hold each coupon relevant to the cart), ``allowance`` (balance in yuan
    -> weight), ``credit`` (buyer credit score -> weight, which sets the member level),
    ``items_per_category`` (plain items per shop and category besides the promoted ones) and ``at``
    (a fixed checkout time; by default a random time inside the campaign's effective window).

    The derived catalog gives every shop the categories of its voucher groups and promotion scopes
    (else all categories); an item named in a promotion's scope takes that scope's category, else the
    shop's first one, and a list price that leaves its item-level promotion a plausible discount.

    >>> gen = CartGenerator(campaign, seed=7, n=1000)   # doctest: +SKIP
    >>> gen[0] == CartGenerator(campaign, seed=7, n=1000)[0]   # doctest: +SKIP
    True
    """

    def __init__(
        self,
        campaign: Any,
        seed: int = 0,
        n: int = 1000,
        *,
        shops: Sequence[str] | Weights | None = None,
        categories: Mapping[str, Sequence[str]] | None = None,
        catalog: Sequence[Mapping[str, Any]] | None = None,
        lines: Weights = DEFAULT_LINES,
        qty: Weights = DEFAULT_QTY,
        price_median: str = "150.00",
        price_spread: float = 0.8,
        presale_share: float = 0.1,
        ineligible_share: float = 0.02,
        vouchers: Weights = DEFAULT_VOUCHERS,
        coupon_share: float = 0.5,
        allowance: Weights = DEFAULT_ALLOWANCE,
        credit: Weights = DEFAULT_CREDIT,
        items_per_category: int = 20,
        at: str | None = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed=!r}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n=!r}")
        cfg = campaign.config
        self.seed = seed
        self.n = n
        self.campaign_id = cfg.campaign.id
        self._fingerprint = getattr(campaign, "fingerprint", None)  # validated() builds carts directly only for this config
        self._plain_ok: bool | None = None
        self._at_epoch: tuple[str | datetime, Any, float] | None = None  # the last checkout time read: (text, zone, epoch)
        self._median = to_fen(price_median)
        if self._median <= 0:
            raise ValueError(f"price_median must be above 0, got {price_median=!r}")
        if isinstance(price_spread, bool) or not isinstance(price_spread, (int, float)) or price_spread < 0:
            raise ValueError(f"price_spread must be a number >= 0, got {price_spread=!r}")
        self._spread = float(price_spread)
        if isinstance(items_per_category, bool) or not isinstance(items_per_category, int) or items_per_category < 1:
            raise ValueError(f"items_per_category must be a whole number >= 1, got {items_per_category=!r}")
        self._per_cat = items_per_category
        self._presale = _share("presale_share", presale_share)
        self._ineligible = _share("ineligible_share", ineligible_share)
        self._coupon_share = _share("coupon_share", coupon_share)
        self._lines = _weights("lines", lines)
        self._qty = _weights("qty", qty)
        self._vouchers = _weights("vouchers", vouchers)
        self._credit = _weights("credit", credit)
        pop, cum = _weights("allowance", allowance)
        self._allowance = ([fmt(to_fen(a)) for a in pop], cum)
        for name, (values, _) in (("lines", self._lines), ("qty", self._qty)):
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(f"{name} values must be whole numbers >= 1, got {values!r}")

        shop_ids = list(cfg.shops)
        if shops is None:
            shop_w = {s: 1 for s in shop_ids}
        elif isinstance(shops, Mapping):
            shop_w = dict(shops)
        else:
            shop_w = {s: 1 for s in shops}
        unknown = [s for s in shop_w if s not in cfg.shops]
        if unknown:
            raise ValueError(f"shops not in campaign {self.campaign_id!r}: {unknown!r}")
        self._catalog = self._build_catalog(cfg, shop_w, categories, catalog)
        self._items = _weights("catalog", {k: w for k, (_, w) in enumerate(self._catalog)})

        self._voucher_ids = [p.id for p in cfg.promotions if p.kind == "category_voucher"]
        self._capped = any(p.kind == "cross_shop_reduction" and p.balance_capped for p in cfg.promotions)
        self._coupons_of: dict[str, list[str]] = {}
        self._platform_coupons: list[str] = []
        for p in cfg.promotions:
            if p.kind == "category_coupon":
                self._platform_coupons.append(p.id)
            elif p.kind in COUPON_KINDS:
                self._coupons_of.setdefault(p.shop, []).append(p.id)

        self._at = at
        self._window: tuple[datetime, int] | None = None
        cal = cfg.campaign.calendar
        if at is None and cal is not None and cal.effective is not None and cal.effective.start and cal.effective.end:
            tz = ZoneInfo(cfg.campaign.timezone)
            # naive config times are in the campaign timezone; carts get the start's form (naive or with offset)
            start = datetime.fromisoformat(str(cal.effective.start))
            end = datetime.fromisoformat(str(cal.effective.end))
            span = (end if end.tzinfo else end.replace(tzinfo=tz)) - (start if start.tzinfo else start.replace(tzinfo=tz))
            self._window = (start, max(1, int(span.total_seconds())))

    def _build_catalog(self, cfg: Any, shop_w: dict[str, int], categories: Mapping[str, Sequence[str]] | None,
                       catalog: Sequence[Mapping[str, Any]] | None) -> list[tuple[dict[str, Any], int]]:  # fmt: skip
        """Items as (line template, weight); promoted items weigh more so that their promotions run."""
        out: list[tuple[dict[str, Any], int]] = []
        rng = random.Random(f"promocalc-sim:{self.seed}:catalog")
        if catalog is not None:
            for k, entry in enumerate(catalog):
                missing = [f for f in ("shop", "item", "category") if f not in entry]
                if missing:
                    raise ValueError(f"catalog[{k}] is missing {', '.join(missing)}")
                if entry["shop"] not in cfg.shops:
                    raise ValueError(f"catalog[{k}]: shop {entry['shop']!r} is not in the campaign")
                price = to_fen(entry["price"]) if entry.get("price") is not None else self._draw_price(rng)
                w = shop_w.get(entry["shop"], 0) * int(entry.get("weight", 1))
                if w:
                    out.append(({"shop": entry["shop"], "item": str(entry["item"]), "category": str(entry["category"]),
                                 "price": price}, w))  # fmt: skip
            if not out:
                raise ValueError("the catalog has no item of the chosen shops")
            return out
        all_cats = list(cfg.categories) or ["general"]
        for sid, sw in shop_w.items():
            if not sw:
                continue
            shop = cfg.shops[sid]
            promos = [p for p in cfg.promotions if getattr(p, "shop", None) == sid]
            if categories is not None and sid in categories:
                cats = list(categories[sid])
            else:
                cats = list(shop.voucher_groups)
                for p in promos:
                    for c in (p.scope.categories or []) if p.scope is not None else []:
                        if c not in cats:
                            cats.append(c)
                cats = cats or all_cats
            promoted: dict[str, tuple[str, Any]] = {}
            for p in promos:
                if p.scope is not None and p.scope.items:
                    cat = (p.scope.categories or [cats[0]])[0]
                    for item in p.scope.items:
                        if item not in promoted or p.kind in ("price", "amount_off"):
                            promoted[item] = (cat, p)
            for item, (cat, p) in promoted.items():
                if p.kind == "price":  # the campaign price is 10–45 % below the list price
                    price = p.price * rng.randint(110, 180) // 10000 * 100
                elif p.kind == "amount_off":  # the amount off is 10–33 % of the list price
                    price = p.off * rng.randint(3, 10)
                else:
                    price = self._draw_price(rng)
                # a promoted item sells like several plain ones, so that its promotions run
                out.append(({"shop": sid, "item": item, "category": cat, "price": max(100, price)},
                            max(1, self._per_cat // 4) * sw))  # fmt: skip
            for cat in cats:
                for k in range(1, self._per_cat + 1):
                    out.append(({"shop": sid, "item": f"{cat}-{k}", "category": cat, "price": self._draw_price(rng)}, sw))
        return out

    def _draw_price(self, rng: random.Random) -> int:
        # A log-normal draw decides the price point only; the price itself is whole fen from here on.
        yuan = max(1, round(self._median / 100 * math.exp(self._spread * rng.gauss(0.0, 1.0))))
        return max(100, yuan * 100 - rng.choice((0, 0, 10, 1)))

    # -- carts -------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self.cart(i) for i in range(self.n))

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < self.n:
            raise IndexError(f"cart index {i} out of range(0, {self.n})")
        return self.cart(i)

    def _draw(self, i: int) -> tuple[list[tuple[dict[str, Any], int, bool, tuple[int, int] | None]], int, str | None,
                                     list[str], dict[str, int], str | datetime | None]:  # fmt: skip
        """The draws of cart ``i``: lines as (template, qty, ineligible, (deposit, deposit value) or None), the
        credit, the allowance text, the coupons, the vouchers held and the time, in the one order of draws."""
        rng = random.Random(f"promocalc-sim:{self.seed}:{i}")
        ch = rng.choices
        rand = rng.random
        n_lines = _one(rand, *self._lines)
        picks = ch(range(len(self._catalog)), cum_weights=self._items[1], k=n_lines)
        lines = []
        shops: dict[str, None] = {}
        qty_pop, qty_cum = self._qty
        for idx in picks:
            tmpl = self._catalog[idx][0]
            price = tmpl["price"]
            qty = _one(rand, qty_pop, qty_cum)
            off = bool(self._ineligible and rng.random() < self._ineligible)
            presale = None
            if self._presale and rng.random() < self._presale and price >= 500:
                deposit = max(100, price * rng.choice((10, 15, 20)) // 10000 * 100)
                presale = (deposit, deposit * rng.choice((2, 3, 4, 4)) // 2)  # 定金膨胀: worth 1x, 1.5x or 2x at the tail
            shops.setdefault(tmpl["shop"], None)
            lines.append((tmpl, qty, off, presale))
        credit = _one(rand, *self._credit)
        allowance = _one(rand, *self._allowance) if self._capped else None
        coupons = []
        share = self._coupon_share
        for s in shops:
            for cid in self._coupons_of.get(s, ()):
                if rng.random() < share:
                    coupons.append(cid)
        for cid in self._platform_coupons:
            if rng.random() < share:
                coupons.append(cid)
        vpop, vcum = self._vouchers
        held = {v: _one(rand, vpop, vcum) for v in self._voucher_ids}
        held = {v: c for v, c in held.items() if c}
        at = self._at
        if at is None and self._window is not None:
            start, seconds = self._window
            at = start + timedelta(seconds=rng.randrange(seconds))  # its text only when a mapping is written
        return lines, credit, allowance, coupons, held, at

    def cart(self, i: int) -> dict[str, Any]:
        """Cart number ``i`` as a cart mapping (docs/formats.md) (money as strings)."""
        drawn, credit, allowance, coupons, held, at = self._draw(i)
        lines = []
        for k, (tmpl, qty, off, presale) in enumerate(drawn):
            line: dict[str, Any] = {
                "id": str(k + 1), "shop": tmpl["shop"], "item": tmpl["item"], "category": tmpl["category"],
                "price": fmt(tmpl["price"]), "qty": qty,
            }  # fmt: skip
            if off:
                line["platform_eligible"] = False
            if presale is not None:
                line["presale"] = {"deposit": fmt(presale[0]), "deposit_value": fmt(presale[1])}
            lines.append(line)
        buyer: dict[str, Any] = {"id": f"buyer-{i}", "credit": credit}
        if allowance is not None:
            buyer["allowance_balance"] = allowance
        wallet: dict[str, Any] = {}
        if coupons:
            wallet["coupons"] = coupons
        if held:
            wallet["vouchers"] = held
        cart: dict[str, Any] = {}
        if at is not None:
            cart["at"] = at if type(at) is str else at.isoformat()
        cart["buyer"] = buyer
        cart["lines"] = lines
        if wallet:
            cart["wallet"] = wallet
        return cart

    def validated(self, i: int, campaign: Any) -> Cart:
        """Cart number ``i`` validated for ``campaign``: ``campaign.cart(gen.cart(i))``, without writing
        the mapping and reading it back when the generator was made from this very config."""
        if self._fingerprint is None or self._fingerprint != campaign.fingerprint or not self._plain():
            return campaign.cart(self.cart(i))  # type: ignore[no-any-return]
        drawn, credit, allowance, coupons, held, at = self._draw(i)
        units = sum(qty for _, qty, _, _ in drawn)
        if (type(credit) is not int or not 0 <= credit <= 10**9 or units > MAX_CART_UNITS
                or any(qty > MAX_QTY for _, qty, _, _ in drawn)
                or any(type(c) is not int or not 0 <= c <= MAX_VOUCHERS for c in held.values())):  # fmt: skip
            return campaign.cart(self.cart(i))  # type: ignore[no-any-return]
        cart = Cart()
        if at is not None:
            tz = campaign.compiled.tz
            last = self._at_epoch
            if last is not None and last[0] == at and last[1] is tz:  # a fixed checkout time: read once
                cart.at = last[2]
            else:
                try:
                    cart.at = parse_time(at, tz)
                except ValueError:
                    return campaign.cart(self.cart(i))  # type: ignore[no-any-return]
                self._at_epoch = (at, tz, cart.at)
        cart.buyer_id = f"buyer-{i}"
        cart.credit = credit
        if allowance is not None:
            cart.allowance = to_fen(allowance)
        append = cart.lines.append
        for k, (tmpl, qty, off, presale) in enumerate(drawn):
            ps = None if presale is None else Presale(presale[0], presale[1], 0, False)
            append(Line(k, str(k + 1), tmpl["shop"], tmpl["item"], tmpl["category"], tmpl["price"], qty, not off, ps))
        cart.coupons = coupons
        cart.vouchers = held
        return cart

    def _plain(self) -> bool:
        """Whether every catalog item has a shop of the campaign and an item and category any cart accepts."""
        if self._plain_ok is None:
            self._plain_ok = all(
                type(t["item"]) is str and type(t["category"]) is str and t["item"] and t["category"]
                and len(t["item"]) <= MAX_ID_CHARS and len(t["category"]) <= MAX_ID_CHARS
                and (t["item"] + t["category"]).isprintable() and type(t["price"]) is int and t["price"] >= 0
                for t, _ in self._catalog)  # fmt: skip
        return self._plain_ok

    def __repr__(self) -> str:
        return f"<CartGenerator {self.campaign_id} seed={self.seed} n={self.n}>"


def _one(rand: Any, population: Sequence[Any], cum_weights: Sequence[float]) -> Any:
    """``random.choices(population, cum_weights=cum_weights)[0]`` drawing the same number, without its
    checks and its list: the generator draws a few per line."""
    return population[bisect(cum_weights, rand() * (cum_weights[-1] + 0.0), 0, len(cum_weights) - 1)]
