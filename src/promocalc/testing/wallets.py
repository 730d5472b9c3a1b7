"""Hard wallets: Double 11 carts where choosing coupons shop by shop is wrong.

Every shop has a shop reduction, an item rate, shop coupons, item coupons on several items and a red
packet; the platform has category coupons and two category-voucher pools whose tiers sit just under
the pools' bases, so a bigger shop coupon can drop a pool under a tier. Deterministic for a seed;
plain mappings in the config and cart formats, ready for :func:`promocalc.load` and ``quote``.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["hard_wallet"]

_AT = "2020-11-11T10:00:00"
_CATS = ("apparel", "beauty", "home", "food")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _check(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an int between {lo} and {hi}, got {value!r}")
    return value


def hard_wallet(shops: int = 3, coupons: int = 8, seed: int = 0, *, ruleset: str = "sequential",
                negative_lines: str = "cap", category_coupons: int | None = None, presale: bool = False,
                allowance: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """A ``(config, cart)`` pair: ``shops`` shops, a wallet of ``coupons`` coupons (shop coupons, item
    coupons, red packets and 1–4 category coupons unless ``category_coupons`` says how many), vouchers
    for two pools with tiers near their bases. ``presale`` makes some lines presale final payments;
    ``allowance`` adds a balance-capped cross-shop reduction that excludes the vouchers."""
    _check("shops", shops, 1, 50)
    _check("coupons", coupons, 0, 200)
    if ruleset not in ("sequential", "parallel"):
        raise ValueError(f"ruleset must be 'sequential' or 'parallel', got {ruleset=!r}")
    if negative_lines not in ("cap", "reject"):
        raise ValueError(f"negative_lines must be 'cap' or 'reject', got {negative_lines=!r}")
    rnd = random.Random(f"{seed}:{shops}:{coupons}:{ruleset}:{negative_lines}")
    n_cc = rnd.randint(1, 4) if category_coupons is None else _check("category_coupons", category_coupons, 0, 20)

    lines: list[dict[str, Any]] = []
    promos: list[dict[str, Any]] = []
    wallet_pool: list[str] = []
    shop_cfg: dict[str, Any] = {}
    for k in range(shops):
        sid = f"s{k:02d}"
        groups = {c: ("A" if c in ("apparel", "beauty") else "B") for c in _CATS}
        shop_cfg[sid] = {"name": f"店{k}", "campaign_member": True, "voucher_groups": groups}
        if allowance:
            shop_cfg[sid]["cross_shop_tier"] = "300-40"
        n_items = rnd.randint(2, 4)
        for j in range(n_items):
            price = rnd.choice([59, 89, 99, 129, 159, 199, 249, 299]) * 100
            line: dict[str, Any] = {"id": f"{sid}-{j}", "shop": sid, "item": f"{sid}-i{j}",
                                    "category": rnd.choice(_CATS), "price": _yuan(price), "qty": rnd.randint(1, 2)}  # fmt: skip
            if presale and j == 0 and rnd.random() < 0.5:
                dep = price // 10
                line["presale"] = {"deposit": _yuan(dep), "deposit_value": _yuan(2 * dep)}
            lines.append(line)
        promos.append({"id": f"{sid}-rate", "kind": "rate", "shop": sid, "rate": "0.9", "scope": {"items": [f"{sid}-i0"]}})
        promos.append({"id": f"{sid}-mj", "kind": "shop_reduction", "shop": sid, "tiers": ["200-10", "400-30"]})
        for c, (need, off) in enumerate(rnd.sample([(150, 10), (200, 15), (300, 25), (400, 40), (500, 60)], 2)):
            promos.append({"id": f"{sid}-c{c}", "kind": "shop_coupon", "shop": sid, "tiers": [f"{need}-{off}"]})
            wallet_pool.append(f"{sid}-c{c}")
        for j in range(1, n_items):
            for c, (need, off) in enumerate(rnd.sample([(50, 5), (80, 10), (100, 20), (150, 30)], rnd.randint(1, 2))):
                cid = f"{sid}-i{j}-c{c}"
                promos.append({"id": cid, "kind": "item_coupon", "shop": sid, "tiers": [f"{need}-{off}"],
                               "scope": {"items": [f"{sid}-i{j}"]}})  # fmt: skip
                wallet_pool.append(cid)
        promos.append({"id": f"{sid}-rp", "kind": "shop_red_packet", "shop": sid, "off": _yuan(rnd.choice([300, 500, 800]))})
        wallet_pool.append(f"{sid}-rp")

    # pool bases roughly as layers 1-2 leave them: put a tier just under each pool's base
    pools = {"A": 0, "B": 0}
    for ln in lines:
        pools["A" if ln["category"] in ("apparel", "beauty") else "B"] += int(ln["price"].split(".")[0]) * ln["qty"]
    groups: dict[str, list[str]] = {}
    for g, base in pools.items():
        top = max(base - rnd.randint(5, 40), 20)
        low = top // 2 // 10 * 10
        # two tiers only when both are valid ones (off below spend, both rising); else the top one alone
        tiers = [f"{low}-10", f"{top}-20"] if low >= 20 and top > low + 10 else [f"{top}-10"]
        groups[g] = tiers
    categories = {c: {"voucher_groups": {"A" if c in ("apparel", "beauty") else "B":
                                         groups["A" if c in ("apparel", "beauty") else "B"]}} for c in _CATS}  # fmt: skip
    for c in range(n_cc):
        cats = rnd.sample(list(_CATS), rnd.randint(1, 2))
        base = sum(int(ln["price"].split(".")[0]) * ln["qty"] for ln in lines if ln["category"] in cats)
        need = max(base - rnd.randint(0, 60), 40)
        promos.append({"id": f"cc{c}", "kind": "category_coupon", "tiers": [f"{need}-{rnd.choice([10, 20, 30])}"],
                       "scope": {"categories": cats}})  # fmt: skip
        wallet_pool.append(f"cc{c}")
    promos.append({"id": "voucher", "kind": "category_voucher", "face_value": "10.00"})
    if allowance:
        promos.append({"id": "allowance", "kind": "cross_shop_reduction", "every": "300-40", "balance_capped": True,
                       "excludes": ["voucher"]})  # fmt: skip

    ccs = [c for c in wallet_pool if c.startswith("cc")]
    rest = [c for c in wallet_pool if not c.startswith("cc")]
    chosen = ccs[: min(len(ccs), coupons)]
    chosen += rnd.sample(rest, min(len(rest), coupons - len(chosen)))
    config = {
        "promocalc": 1,
        "campaign": {"id": f"hard-{seed}", "currency": "CNY", "timezone": "Asia/Shanghai", "ruleset": ruleset,
                     "negative_lines": negative_lines},
        "categories": categories,
        "shops": shop_cfg,
        "promotions": promos,
    }  # fmt: skip
    buyer: dict[str, Any] = {"id": "b1", "credit": 1200}
    if allowance:
        buyer["allowance_balance"] = _yuan(rnd.choice([5000, 12000, 30000]))
    cart = {"at": _AT, "buyer": buyer, "lines": lines,
            "wallet": {"coupons": sorted(chosen), "vouchers": {"voucher": rnd.choice([3, 5, 8, 30])}}}  # fmt: skip
    return config, cart
