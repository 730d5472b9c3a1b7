"""Campaign figures as partial integer sums: one :class:`Tally` per chunk of carts, merged exactly.

Every figure is a sum of integers (fen or counts), so merging tallies in any grouping gives the same
result to the fen; the per-cart rows are kept with their cart index and put back in order.
"""

from __future__ import annotations

from fractions import Fraction
from operator import itemgetter
from typing import Any, TypeVar

from ..thresholds import Threshold

K = TypeVar("K")

LAYERS = ("item", "shop", "coupon", "platform")
PAYMENT_LAYER = "payment"  # 88VIP as a discount; coins and red packets as tender, figures of their own
HIST_BUCKETS = 20  # discount-rate histogram: 5% wide buckets, the last one closed at 100%

CART_COLUMNS = (
    "cart", "lines", "units", "shops", "subtotal", "discount_item", "discount_shop", "discount_coupon",
    "discount_platform", "discount", "merchant_funded", "platform_funded", "postage", "deposit_paid",
    "payable", "gmv", "vouchers_held", "vouchers_used", "instruments",
    "discount_payment", "coins_used", "red_packets", "postage_waived",
)  # fmt: skip
"""Per-cart columns; the last four are shown only for campaigns with a payment layer or free postage."""
MONEY_CART_COLUMNS = frozenset(CART_COLUMNS[4:16]) | {"discount_payment", "red_packets", "postage_waived"}
PAYMENT_CART_COLUMNS = ("discount_payment", "coins_used", "red_packets")
POSTAGE_CART_COLUMNS = ("postage_waived",)
SHOP_FIELDS = (
    "carts", "lines", "units", "subtotal", "discount_item", "discount_shop", "discount_coupon",
    "discount_platform", "merchant_funded", "platform_funded", "postage", "deposit_paid", "payable", "gmv",
    "discount_payment", "coins_used", "red_packets", "postage_waived",
)  # fmt: skip
PAYMENT_SHOP_FIELDS = ("discount_payment", "coins_used", "red_packets")
POSTAGE_SHOP_FIELDS = ("postage_waived",)
INSTRUMENT_FIELDS = ("received", "balance_held", "used", "orders", "gmv", "discount")
INSTRUMENT_SHOP_FIELDS = ("orders", "gmv", "discount")
TIER_FIELDS = ("reached", "landed", "just_below")
TOTAL_FIELDS = (
    "carts", "lines", "units", "subtotal", "discount", "merchant_funded", "platform_funded", "postage",
    "deposit_paid", "payable", "gmv", "carts_discounted", "vouchers_held", "vouchers_used",
    "coins_used", "red_packets", "postage_waived",
)  # fmt: skip
PAYMENT_TOTALS = ("coins_used", "red_packets")
POSTAGE_TOTALS = ("postage_waived",)
TENDER_FIELDS = ("tender", "tender_merchant_funded", "tender_platform_funded")


class Meta:
    """What a tally needs to know about the campaign, read once from the compiled campaign."""

    def __init__(self, campaign: Any) -> None:
        c = campaign.compiled  # the compiled campaign: promotions with thresholds and scopes, shops, pools' tiers
        self.campaign_id: str = c.id
        self.parallel: bool = c.parallel
        # the payment layer's own instruments (88VIP, coins) are figures of their own when the campaign has them
        own = [p for p in (c.vip88, c.coins) if p is not None] if c.has_payment else []
        self.promos = list(c.promos) + own
        self.payment: bool = bool(c.has_payment)
        self.free_postage: bool = bool(c.has_postage)
        self.layers = LAYERS + (PAYMENT_LAYER,) if self.payment else LAYERS
        self.red_packet_ids = [p.id for p in c.promos if p.kind == "platform_red_packet"]
        self.promo_ids = [p.id for p in self.promos]
        self.shop_ids = list(c.shops)
        self.postage = {s: info.postage for s, info in c.shops.items()}
        self.members = frozenset(s for s, info in c.shops.items() if info.member)
        self.capped = [p.id for p in c.promos if p.kind == "cross_shop_reduction" and p.balance_capped]
        pools: dict[str, Threshold] = {}
        for tiers in c.voucher_tiers.values():
            for t in tiers.values():
                pools[t.describe()] = t
        for t in c.cross_tiers.values():
            pools[t.describe()] = t
        for p in c.promos:
            if p.kind == "cross_shop_reduction" and p.threshold is not None:
                pools[p.threshold.describe()] = p.threshold
        self.pool_tiers = pools


def tier_steps(t: Threshold, base: int) -> tuple[int | None, int, int | None, int, str]:
    """Where ``base`` sits among the tiers of ``t``, as (spend reached, its reference, next spend, its reference, key label).

    The reference is what the landing band is a share of: a stepped tier's own spend; for a repeating
    tier 每N-M (every multiple of N is a tier, up to ``max_off``) it is N, and all multiples share one row.
    """
    if t.every is not None:
        need, off = t.every.need, t.every.off or 0
        k = base // need
        kmax = -(-t.max_off // off) if t.max_off is not None and off else None
        if kmax is not None and k >= kmax:
            return kmax * need, need, None, need, t.describe()
        return (k * need if k else None), need, (k + 1) * need, need, t.describe()
    cur = nxt = None  # the highest tier reached and the one after it, in one walk (as Threshold.reached)
    for tier in t.tiers:
        if base >= tier.need:
            cur = tier.need
        else:
            nxt = tier.need
            break
    return cur, cur or 0, nxt, nxt or 0, ""


class Tally:
    """Partial sums for a set of carts. ``add`` one priced cart, ``merge`` another tally."""

    def __init__(self, meta: Meta, band: Fraction, keep_carts: bool = True) -> None:
        self.meta = meta
        self.band = band
        self._num, self._den = band.numerator, band.denominator  # read per landing: Fraction's are properties
        self.keep_carts = keep_carts
        self.rows: list[tuple[int, ...]] = []  # per cart, its CART_COLUMNS figures (when carts are kept)
        self.totals = dict.fromkeys(TOTAL_FIELDS, 0)
        self.layers = [[0, 0, 0] for _ in (*LAYERS, PAYMENT_LAYER)]  # discount, merchant-funded, platform-funded
        self.tender = [0, 0, 0]  # the payment layer's coins and red packets: in all, merchant-, platform-funded
        self.shops: dict[str, list[int]] = {}
        self.instruments: dict[str, list[int]] = {pid: [0] * len(INSTRUMENT_FIELDS) for pid in meta.promo_ids}
        self.instrument_shops: dict[tuple[str, str], list[int]] = {}
        self.tiers: dict[tuple[str, str, int], list[int]] = {}
        self.tier_labels: dict[tuple[str, str, int], str] = {}
        self.hist = [0] * HIST_BUCKETS
        self._desc: dict[Threshold, str] = {}  # compiled thresholds live as long as the campaign

    # -- one cart ----------------------------------------------------------------------------------------

    def add(self, index: int, cart: Any, q: Any) -> None:
        """Add cart number ``index`` (a validated :class:`~promocalc.Cart`) priced as quote ``q``."""
        meta = self.meta
        lines = cart.lines
        n = len(lines)
        pay = q.line_payables
        sub = [0] * n
        dep = [0] * n
        units = 0
        for i, ln in enumerate(lines):
            units += ln.qty
            ps = ln.presale
            if ps is not None and ps.deposit_stage:
                sub[i] = ps.deposit * ln.qty
            else:
                sub[i] = ln.price * ln.qty
                if ps is not None:
                    dep[i] = ps.deposit * ln.qty
        shares = [[0] * n for _ in LAYERS]  # per layer, per line
        merchant = [0] * n
        platform = [0] * n
        item_platform = [0] * n
        applied = q.applied
        paid_apart = [0] * n  # what the payment layer took off each line (88VIP, coins, red packets)
        vip = [0] * n
        coins_used = packets_paid = 0
        tender = self.tender
        vouchers_used = 0
        layer_sums = self.layers
        for a in applied:
            p = a.promo
            k = p.layer - 1
            if k >= len(LAYERS):  # the payment layer: kept apart from the four layers
                amount = 0
                for i, v in a.shares.items():
                    paid_apart[i] += v
                    amount += v
                if not amount:
                    continue
                if p.tender:  # coins and red packets pay part of the price: not a discount, as in the quote
                    tender[0] += amount
                    tender[2 if p.platform_funded else 1] += amount
                    if p.kind == "coins":
                        coins_used += amount
                    else:
                        packets_paid += amount
                else:  # 88VIP lowers what the line costs: a discount of its own layer
                    fund = platform if p.platform_funded else merchant
                    for i, v in a.shares.items():
                        vip[i] += v
                        fund[i] += v
                    self.layers[4][2 if p.platform_funded else 1] += amount
                continue
            if k == 0:
                if p.platform_funded:
                    for i, s in a.shares.items():
                        item_platform[i] += s
                continue
            row = shares[k]
            fund = platform if p.platform_funded else merchant
            amount = 0
            for i, s in a.shares.items():
                row[i] += s
                fund[i] += s
                amount += s
            layer_sums[k][2 if p.platform_funded else 1] += amount
        item = shares[0]
        for i in range(n):
            # The item layer is what is left of the line's discount: it includes a presale deposit's
            # expansion (定金膨胀) and instant reduction, as in the quote's per-line "item" discount.
            item[i] = sub[i] - pay[i] - dep[i] - shares[1][i] - shares[2][i] - shares[3][i] - paid_apart[i]
            merchant[i] += item[i] - item_platform[i]
            platform[i] += item_platform[i]

        gmv_line = [pay[i] + dep[i] for i in range(n)]
        cart_gmv = sum(gmv_line)
        shop_gmv: dict[str, int] = {}
        shop_of = [ln.shop for ln in lines]
        for i, s in enumerate(shop_of):
            shop_gmv[s] = shop_gmv.get(s, 0) + gmv_line[i]

        # per instrument
        inst = self.instruments
        ishops = self.instrument_shops
        extras = q._p.extras
        waived_by: dict[str, dict[str, int]] = {}
        for wp, ws, wv in extras.applied:
            if wp.kind == "free_postage":
                waived_by.setdefault(wp.id, {})[ws] = waived_by.get(wp.id, {}).get(ws, 0) + wv
        for a in applied:
            p = a.promo
            rec = inst[p.id]
            if a.vouchers is not None:
                rec[2] += a.vouchers
                vouchers_used += a.vouchers
            elif a.packets is not None:
                rec[2] += a.packets
            else:
                rec[2] += 1
            rec[3] += 1
            rec[4] += cart_gmv
            by_shop: dict[str, int] = {}
            for i, s in a.shares.items():
                sid = shop_of[i]
                by_shop[sid] = by_shop.get(sid, 0) + s
            if p.kind == "free_postage":  # a waiver takes no share of a line: its figure is the postage waived
                by_shop = waived_by.get(p.id, {})
            rec[5] += sum(by_shop.values())
            for s, amount in by_shop.items():
                r2 = ishops.get((p.id, s))
                if r2 is None:
                    r2 = ishops[(p.id, s)] = [0, 0, 0]
                r2[0] += 1
                r2[1] += shop_gmv[s]
                r2[2] += amount
        vouchers_held = 0
        for vid, count in cart.vouchers.items():
            inst[vid][0] += count
            vouchers_held += count
        for cid in cart.coupons:
            inst[cid][0] += 1
        if cart.allowance:
            for pid in meta.capped:
                inst[pid][1] += cart.allowance
        if meta.payment:
            for rid, count in cart.red_packets.items():
                if rid in inst:
                    inst[rid][0] += count
            if "coins" in inst:
                inst["coins"][1] += cart.coins  # coins held (1 coin = 1 fen)
            if "vip88" in inst and cart.vip88 and cart.vip88_quota is not None:
                inst["vip88"][1] += cart.vip88_quota

        # per layer
        layer_tot = [0, 0, 0, 0]
        for k in range(4):
            row = shares[k]
            layer_tot[k] = sum(row)
            self.layers[k][0] += layer_tot[k]
        self.layers[0][2] += sum(item_platform)
        self.layers[0][1] += layer_tot[0] - sum(item_platform)
        vip_tot = sum(vip)
        self.layers[4][0] += vip_tot

        # per shop
        coin_of = next((a.shares for a in applied if a.promo.kind == "coins"), {}) if coins_used else {}
        charged = extras.postage  # after free postage
        waived = extras.waived
        cart_postage = 0
        cart_waived = 0
        seen: dict[str, list[int]] = {}
        for i, s in enumerate(shop_of):
            rec2 = seen.get(s)
            if rec2 is None:
                rec2 = self.shops.get(s)
                if rec2 is None:
                    rec2 = self.shops[s] = [0] * len(SHOP_FIELDS)
                seen[s] = rec2
                post = charged.get(s, 0)
                cart_postage += post
                w = waived.get(s, 0)
                cart_waived += w
                rec2[0] += 1
                rec2[10] += post
                rec2[12] += post
                rec2[17] += w
            rec2[1] += 1
            rec2[2] += lines[i].qty
            rec2[3] += sub[i]
            rec2[4] += shares[0][i]
            rec2[5] += shares[1][i]
            rec2[6] += shares[2][i]
            rec2[7] += shares[3][i]
            rec2[8] += merchant[i]
            rec2[9] += platform[i]
            rec2[11] += dep[i]
            rec2[12] += pay[i]
            rec2[13] += gmv_line[i]
            if paid_apart[i]:
                rec2[14] += vip[i]
                rec2[15] += coin_of.get(i, 0)
                rec2[16] += paid_apart[i] - vip[i] - coin_of.get(i, 0)

        # totals
        subtotal = sum(sub)
        discount = sum(layer_tot) + vip_tot
        m_tot = sum(merchant)
        p_tot = sum(platform)
        deposit = sum(dep)
        payable = sum(pay) + cart_postage
        t = self.totals
        t["carts"] += 1
        t["lines"] += n
        t["units"] += units
        t["subtotal"] += subtotal
        t["discount"] += discount
        t["merchant_funded"] += m_tot
        t["platform_funded"] += p_tot
        t["postage"] += cart_postage
        t["deposit_paid"] += deposit
        t["payable"] += payable
        t["gmv"] += cart_gmv
        t["carts_discounted"] += 1 if discount else 0
        t["vouchers_held"] += vouchers_held
        t["vouchers_used"] += vouchers_used
        t["coins_used"] += coins_used
        t["red_packets"] += packets_paid
        t["postage_waived"] += cart_waived
        b = (HIST_BUCKETS * discount) // subtotal if subtotal > 0 else 0
        self.hist[min(max(b, 0), HIST_BUCKETS - 1)] += 1

        if self.keep_carts:
            values = (index, n, units, len(seen), subtotal, layer_tot[0], layer_tot[1], layer_tot[2], layer_tot[3],
                      discount, m_tot, p_tot, cart_postage, deposit, payable, cart_gmv, vouchers_held,
                      vouchers_used, len(applied), vip_tot, coins_used, packets_paid, cart_waived)  # fmt: skip
            self.rows.append(values)

        self._landing(cart, q, sub, shares, dep)

    # -- tier landing (凑单) -----------------------------------------------------------------------------

    def _land(self, pid: str, t: Threshold, base: int) -> None:
        """Count ``base`` against the tier it reached (and whether just above it) and the next tier."""
        num, den = self._num, self._den
        desc = self._desc.get(t)
        if desc is None:
            desc = self._desc[t] = t.describe()
        cur, cur_ref, nxt, nxt_ref, label = tier_steps(t, base)
        every = t.every is not None
        if cur is not None:
            rec = self._tier(pid, desc, t.every.need if every else cur, t, label)  # type: ignore[union-attr]
            rec[0] += 1
            if (base - cur) * den < cur_ref * num:
                rec[1] += 1
        if nxt is not None and (nxt - base) * den <= nxt_ref * num:
            self._tier(pid, desc, t.every.need if every else nxt, t, label)[2] += 1  # type: ignore[union-attr]

    @staticmethod
    def _label(t: Threshold, spend: int) -> str:
        return next(x.label(False) for x in t.tiers if x.need == spend)

    def _tier(self, pid: str, desc: str, spend: int, t: Threshold, label: str | None) -> list[int]:
        """The landing record of one tier; its label (``label``, else the stepped tier's) is made once."""
        key = (pid, desc, spend)
        rec = self.tiers.get(key)
        if rec is None:
            rec = self.tiers[key] = [0, 0, 0]
            self.tier_labels[key] = label or self._label(t, spend)
        return rec

    def _landing(self, cart: Any, q: Any, sub: list[int], shares: list[list[int]], dep: list[int]) -> None:
        """Measure each threshold the engine measured (see docs/simulation.md, "Tier landing")."""
        meta = self.meta
        lines = cart.lines
        a1 = [sub[i] - shares[0][i] for i in range(len(lines))]
        platform_before: list[Any] = []
        cat_taken: set[int] = set()
        for a in q.applied:
            p = a.promo
            t = p.threshold
            if a.pools is not None:
                for pool in a.pools:
                    tiers = pool["tiers"]
                    pt = tiers if isinstance(tiers, Threshold) else meta.pool_tiers.get(str(tiers))
                    base = pool.get("base")
                    if pt is not None and isinstance(base, int):
                        self._land(p.id, pt, base)
            elif t is not None and not t.by_items and p.layer >= 2:
                if a.base is not None:  # the base the engine measured (shop and coupon layers, category coupons)
                    base = a.base
                    if p.layer == 4:
                        cat_taken.update(a.shares)
                elif p.layer == 4:
                    idx = [i for i, ln in enumerate(lines)
                           if ln.eligible and ln.shop in meta.members and not (ln.presale and ln.presale.deposit_stage)
                           and i not in cat_taken and p.in_scope(ln.item, ln.category)]  # fmt: skip
                    if meta.parallel:
                        base = sum(a1[i] for i in idx)
                    else:
                        base = sum(a1[i] - shares[1][i] - shares[2][i] - sum(b.shares.get(i, 0) for b in platform_before)
                                   for i in idx)  # fmt: skip
                    cat_taken.update(a.shares)
                else:
                    idx = [i for i, ln in enumerate(lines)
                           if ln.shop == p.shop and not (ln.presale and ln.presale.deposit_stage)
                           and p.in_scope(ln.item, ln.category)]  # fmt: skip
                    if p.layer == 3 and not meta.parallel:
                        base = sum(a1[i] - shares[1][i] for i in idx)
                    else:
                        base = sum(a1[i] for i in idx)
                self._land(p.id, t, base)
            if p.layer == 4:
                platform_before.append(a)
        for s in q.not_applied:
            t = s.tiers
            if s.reason == "threshold_not_met" and s.gap is not None and t is not None and not t.by_items:
                self._land(s.promo.id, t, t.first_need - s.gap)

    # -- merging -----------------------------------------------------------------------------------------

    def merge(self, other: Tally) -> Tally:
        """Add ``other``'s sums into this tally (rows are appended; :meth:`sorted_rows` restores order)."""
        for k, v in other.totals.items():
            self.totals[k] += v
        for mine, theirs in zip(self.layers, other.layers):
            for j, v in enumerate(theirs):
                mine[j] += v
        for j, v in enumerate(other.tender):
            self.tender[j] += v
        _add_rows(self.shops, other.shops)
        _add_rows(self.instruments, other.instruments)
        _add_rows(self.instrument_shops, other.instrument_shops)
        _add_rows(self.tiers, other.tiers)
        self.tier_labels.update(other.tier_labels)
        for j, v in enumerate(other.hist):
            self.hist[j] += v
        if self.keep_carts:
            self.rows += other.rows
        return self

    def sorted_rows(self) -> dict[str, list[int]]:
        """The per-cart figures in cart order, a column per name of CART_COLUMNS (none when carts are not kept)."""
        if not self.keep_carts:
            return {}
        rows = sorted(self.rows, key=itemgetter(0))  # a stable sort by cart index, as merged chunks arrive
        if not rows:
            return {k: [] for k in CART_COLUMNS}
        return {k: list(col) for k, col in zip(CART_COLUMNS, zip(*rows))}

    def __getstate__(self) -> dict[str, Any]:
        # The campaign stays behind: a tally travels back from a worker as plain integers.
        state = dict(self.__dict__)
        state["meta"] = None
        state["_desc"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _add_rows(table: dict[K, list[int]], other: dict[K, list[int]]) -> None:
    """Add ``other``'s rows of sums into ``table``, key by key."""
    for key, vals in other.items():
        cur = table.get(key)
        if cur is None:
            table[key] = list(vals)
        else:
            for j, v in enumerate(vals):
                cur[j] += v
