"""One quote: layer 1, every shop's options through layers 2–3, the best combination through layer 4."""

from __future__ import annotations

from itertools import product

from .cart import Cart
from .compile import NO_ALTERNATIVES, Compiled
from .compiled import PAYMENT, Promo, level_of
from .context import Applied, Context, Skipped
from .coupon_layer import apply_coupon
from .item_layer import apply_item_layer
from .payment_layer import PaymentPlan, apply_payment
from .platform_layer import PlatformPlan, apply_platform
from .postage import Extras, postage_and_gifts
from .search import Mode, Search, Unit, tie_key
from .selection import ShopOption
from .shop_layer import shop_promotion


class Priced:
    """The outcome of pricing a cart: the context, the chosen options and everything applied or not."""

    __slots__ = ("ctx", "run", "options", "platform_applied", "platform_skipped", "coupons", "optimal",
                 "explain", "_not_applied", "at", "lower_bound", "payment_applied", "extras", "proven")  # fmt: skip

    def __init__(self, ctx: Context, at: float, run: list[int], options: list[ShopOption],
                 platform_applied: list[Applied], payment_applied: list[Applied], platform_skipped: list[Skipped],
                 extras: Extras, coupons: tuple[Promo, ...], optimal: bool | None, proven: bool,
                 lower_bound: int | None,
                 explain: tuple[Compiled, list[Skipped], set[str], set[str] | None]) -> None:  # fmt: skip
        self.ctx = ctx
        self.at = at
        self.run = run
        self.options = options
        self.platform_applied = platform_applied
        self.payment_applied = payment_applied
        self.platform_skipped = platform_skipped
        self.extras = extras
        self.coupons = coupons
        self.optimal = optimal
        self.proven = proven  # the choice is the best one (among those ``use`` allows, when it is given)
        self.lower_bound = lower_bound
        self.explain = explain
        self._not_applied: list[Skipped] | None = None

    @property
    def not_applied(self) -> list[Skipped]:
        """What was relevant to the cart but did not apply (worked out when first asked for)."""
        if self._not_applied is None:
            camp, notes, held, use = self.explain
            self._not_applied = _not_applied(camp, self.ctx, self, notes, held, use)
        return self._not_applied


def _activate(camp: Compiled, cart: Cart, t: float, ctx: Context) -> None:
    """Which promotions run at ``t`` for this buyer (window, audience); record why the others don't."""
    open_ids, audience, closed = camp.windows_at(t)
    active = ctx.active
    active.update(camp.always_active)
    active.update(open_ids)
    if closed:
        ctx.inactive.update(closed)
    if not audience:
        return
    level = level_of(cart.credit)
    groups = cart.groups
    for p in audience:
        mine = groups
        shop = camp.shops.get(p.shop or "")
        if shop is not None and shop.customer_groups and cart.buyer_id:
            mine = groups | {g for g, members in shop.customer_groups.items() if cart.buyer_id in members}
        if level < p.min_level or (p.include_groups and not (p.include_groups & mine)) or (p.exclude_groups & mine):
            ctx.inactive[p.id] = "audience"
            continue
        active.add(p.id)


def price_cart(camp: Compiled, cart: Cart, t: float) -> Priced:
    """Price a validated cart at time ``t`` (epoch seconds)."""
    ctx = Context(cart, camp.parallel, camp.reject, camp.shops)
    _activate(camp, cart, t, ctx)
    apply_item_layer(ctx, camp.item_promos)
    run1 = list(ctx.a1)
    active = ctx.active
    use = set(cart.use) if cart.use is not None else None
    held = set(cart.coupons)
    notes: list[Skipped] = []

    pay = PaymentPlan(ctx, camp.vip88, camp.coins, camp.shops, camp.red_packets) if camp.has_payment else None
    pay_skipped = pay.skipped if pay is not None else []
    if pay is not None and not pay.active:
        pay = None
    # the payment layer sees every line: options are then the same only when they leave the same on all
    scratch = list(run1)  # one working copy for every shop: each works on its own lines only
    per_shop = [_shop_modes(ctx, camp, shop, idx, run1, use, held, notes, pay is not None, scratch)
                for shop, idx in ctx.by_shop.items()]  # fmt: skip

    cat_coupons = [p for p in camp.platform if p.is_coupon and p.id in held]
    if use is None:
        cc_free = [p for p in cat_coupons if p.id in active]
        cc_fixed: tuple[Promo, ...] = ()
    else:
        cc_free = []
        cc_fixed = tuple([p for p in cat_coupons if p.id in use and p.id in active])
    # a named coupon outside its window or audience does not apply either; it is reported
    platform = [p for p in camp.platform if p.id in active]
    plan = PlatformPlan(platform, cart.vouchers, cart.allowance, camp.cross_tiers, camp.voucher_tiers)
    if camp.excludes:
        alts = camp.alternatives([p for p in platform if not p.is_coupon or (use is None or p.id in use)])
    else:
        alts = NO_ALTERNATIVES

    dep_total = sum(ctx.dep)
    packets_proven = [True]

    def layer4(choice: tuple[ShopOption, ...], cc: tuple[Promo, ...], disabled: frozenset[str]):  # type: ignore[no-untyped-def]
        r = list(run1)
        for opt in choice:
            for i, v in zip(opt.idx, opt.run3):
                r[i] = v
        done = apply_platform(ctx, plan, cc, disabled, r)
        if done is None:
            return None  # this alternative switched an instrument off for nothing: not an outcome
        applied, skipped = done
        if pay is not None:
            paid, proven = apply_payment(ctx, pay, r)
            applied = applied + paid
            if not proven:
                packets_proven[0] = False
        return r, applied, skipped

    def rank(total: int, choice: tuple[ShopOption, ...], cc: tuple[Promo, ...]) -> tuple[object, ...]:
        return tie_key(total, [c for opt in choice for c in opt.coupons] + list(cc), choice)

    def evaluate(choice: tuple[ShopOption, ...], cc: tuple[Promo, ...], disabled: frozenset[str]):  # type: ignore[no-untyped-def]
        done = layer4(choice, cc, disabled)
        if done is None:
            return None
        r, applied, skipped = done
        return rank(sum(r) - dep_total, choice, cc), r, applied, skipped

    def choose(alts: list[frozenset[str]]):  # type: ignore[no-untyped-def]
        """The best combination over ``alts`` (None when none of them is an outcome), proven or not, and the bound."""
        if not cc_free and len(alts) == 1:
            fixed = []
            for modes in per_shop:
                if len(modes) != 1 or modes[0].option is None:
                    break
                fixed.append(modes[0].option)
            else:
                choice = tuple(fixed)
                done = layer4(choice, cc_fixed, alts[0])  # one combination: nothing to rank it against
                return (None if done is None else (None, choice, cc_fixed, *done)), True, None
        if pay is None and _few(per_shop, len(alts) << len(cc_free)):
            # a handful of combinations: pricing each one costs less than setting up the search
            best = None
            subsets = [tuple(c for k, c in enumerate(cc_free) if mask >> k & 1) for mask in range(1 << len(cc_free))]
            options = [[o for m in modes for o in _options(m)] for modes in per_shop]
            for ai, disabled in enumerate(alts):
                for taken in subsets:
                    cc = cc_fixed + taken
                    for choice in product(*options):
                        done = layer4(choice, cc, disabled)
                        if done is None:
                            continue
                        r, applied, skipped = done
                        total = sum(r) - dep_total
                        if best is not None and total > best[0][0]:
                            continue  # the key starts with the total: no need to make the rest of it
                        key = (*rank(total, choice, cc), ai)
                        if best is None or key < best[0]:
                            best = (key, choice, cc, r, applied, skipped)
            return best, True, None
        found = Search(ctx, plan, per_shop, cc_free, cc_fixed, alts, evaluate, dep_total,
                       floor=pay.floor if pay is not None else None).run()
        return found.best, found.optimal, None if found.optimal else found.lower_bound

    best, optimal, lower_bound = choose(alts)
    if best is None:
        # every alternative switched something off for nothing: declared order decides which of two
        # instruments that exclude each other applies, and that outcome always exists
        best, optimal, lower_bound = choose([frozenset()])
    assert best is not None
    _, choice, cc, r, applied, skipped = best
    if pay is None:  # platform instruments only
        paid: list[Applied] = []
    else:
        paid = [a for a in applied if a.promo.layer == PAYMENT]
        applied = [a for a in applied if a.promo.layer != PAYMENT]
        if not packets_proven[0] and optimal:
            optimal = False
            lower_bound = pay.floor(sum(r) + sum(a.amount for a in paid) - dep_total)
    extras = postage_and_gifts(ctx, camp)
    coupons: list[Promo] = []
    for opt in choice:
        coupons += opt.coupons
    return Priced(ctx, t, r, list(choice), applied, paid, skipped + pay_skipped + extras.skipped, extras,
                  (*coupons, *cc), optimal if use is None else None, optimal, lower_bound if use is None else None,
                  (camp, notes, held, use))  # fmt: skip


FEW = 16  # combinations priced one by one rather than searched


def _few(per_shop: list[list[Mode]], n: int) -> bool:
    """Whether the shops' options, ``n`` times over, make at most FEW combinations."""
    for modes in per_shop:
        k = 0
        for m in modes:
            ways = 1
            for u in m.units:
                ways *= len(u.choices)
            k += ways
        n *= k
        if n > FEW:
            return False
    return True


def _options(m: Mode) -> list[ShopOption]:
    """A mode's shop options: its fixed one, or one per choice of coupon (or none) for each item."""
    if m.option is not None:
        return [m.option]
    return [m.build(list(picks)) for picks in product(*(u.choices for u in m.units))]


def _shop_modes(ctx: Context, camp: Compiled, shop: str, idx: list[int], run1: list[int], use: set[str] | None,
                held: set[str], notes: list[Skipped], every_line: bool = False,
                run: list[int] | None = None) -> list[Mode]:  # fmt: skip
    """A shop's ways through layers 2 and 3: each reached shop promotion (or none when none is reached)
    with no card, one shop coupon or red packet, or item coupons decided item by item.

    ``run`` is a working copy of ``run1`` shared by the shops (copying it per shop would cost lines × shops);
    each shop reads and writes only its own lines in it (as in ``run1`` when it starts) and may leave them changed."""
    active = ctx.active
    choices: list[Applied | None] = []
    for p in camp.shop_promos.get(shop, ()):
        if p.id in active:
            r = shop_promotion(ctx, p, idx, run1)
            if type(r) is Applied:
                choices.append(r)
            elif r.reason != "no_lines_in_scope":
                notes.append(r)
    if not choices:
        choices.append(None)
    cards = []
    for c in camp.card_promos.get(shop, ()):
        if c.id in held:
            cards.append(c)
    if run is None:
        run = list(run1)
    if use is not None and len(choices) == 1:  # named coupons, one shop promotion at most: one option
        return [_named(ctx, shop, idx, choices[0], cards, use, run)]
    modes: list[Mode] = []
    found: list[ShopOption] = []  # the fixed-card options, in the order they are made

    for sc in choices:
        if sc is not None:
            for i, s in sc.shares.items():
                run[i] -= s
        if use is not None:
            co, res = _named_cards(ctx, cards, use, idx, run)
            found.append(_option(shop, idx, sc, co, res, run))
        else:
            usable = [c for c in cards if c.id in active]
            units: dict[str, Unit] = {}
            tried = ctx.tried
            for c in usable:
                r = tried[(sc, c)] = apply_coupon(ctx, c, idx, run)
                if not isinstance(r, Applied):
                    continue  # the same cards without this one price the same with fewer coupons
                if c.card_kind == "item_coupon":
                    item = next(iter(c.items or ("",)))
                    u = units.get(item)
                    if u is None:
                        lines = [i for i in idx if ctx.lines[i].item == item]
                        u = units[item] = Unit(item, lines, [(None, None)])
                    u.choices.append((c, r))
                else:
                    found.append(_option(shop, idx, sc, (c,), [r], run))
            if units:
                modes.append(Mode(shop, idx, sc, None, {i: run[i] for i in idx}, list(units.values())))
            else:
                found.append(_option(shop, idx, sc, (), [], run))
        for i in idx:
            run[i] = run1[i]
    if len(found) > 1:
        found = _distinct(ctx, idx, found, every_line)
    return [Mode(shop, idx, opt.shop_result, opt) for opt in found] + modes


def _distinct(ctx: Context, idx: list[int], found: list[ShopOption], every_line: bool) -> list[ShopOption]:
    """Options that leave the same amounts on every eligible line are the same to layer 4: of each such
    group the tie winner, in the order the groups first appear."""
    seen = idx if every_line else [i for i in idx if ctx.eligible[i]]
    simple: dict[tuple[int, ...], tuple[tuple[object, ...], ShopOption]] = {}
    for opt in found:
        if len(seen) == len(idx):  # every line of the shop counts (``seen`` is ``idx`` then)
            sig = tuple(opt.run3)
        else:
            vals = dict(zip(idx, opt.run3))
            sig = tuple([vals[i] for i in seen])
        cs = opt.coupons
        rank = (sum(opt.run3), len(cs), sorted([c.pos for c in cs]), -opt.shop_off,
                opt.shop_result.promo.pos if opt.shop_result else -1)  # fmt: skip
        old = simple.get(sig)
        if old is None or rank < old[0]:  # type: ignore[operator]
            simple[sig] = (rank, opt)
    return [opt for _, opt in simple.values()]


def _named_cards(ctx: Context, cards: list[Promo], use: set[str], idx: list[int],
                 run: list[int]) -> tuple[tuple[Promo, ...], list[Applied | Skipped]]:  # fmt: skip
    """The shop's named cards and what each does on ``run`` (each measured on the same amounts)."""
    active = ctx.active
    co = []
    res: list[Applied | Skipped] = []
    for c in cards:
        if c.id in use:
            co.append(c)
            res.append(apply_coupon(ctx, c, idx, run) if c.id in active else Skipped(c, ctx.inactive.get(c.id, "inactive")))
    return tuple(co), res


def _named(ctx: Context, shop: str, idx: list[int], sc: Applied | None, cards: list[Promo], use: set[str],
           run: list[int]) -> Mode:  # fmt: skip
    """The one way through layers 2 and 3 when the coupons are named and at most one shop promotion is
    reached; ``run`` is the shared working copy, as in ``run1`` on the shop's lines when called (the shop's
    lines are left as the cards leave them)."""
    if sc is not None:
        for i, s in sc.shares.items():
            run[i] -= s
    co, res = _named_cards(ctx, cards, use, idx, run)
    for r in res:  # the cards' shares come off the working copy: what is left is A3
        if type(r) is Applied:
            for i, s in r.shares.items():
                run[i] -= s
    return Mode(shop, idx, sc, ShopOption(shop, idx, sc, co, res, [run[i] for i in idx]))


def _option(shop: str, idx: list[int], sc: Applied | None, co: tuple[Promo, ...], res: list[Applied | Skipped],
            run: list[int]) -> ShopOption:  # fmt: skip
    """The shop option for fixed cards: A3 on the shop's lines after the cards that applied."""
    if not res:
        return ShopOption(shop, idx, sc, co, res, [run[i] for i in idx])
    run3 = {i: run[i] for i in idx}
    for r in res:
        if type(r) is Applied:
            for i, s in r.shares.items():
                run3[i] -= s
    return ShopOption(shop, idx, sc, co, res, [run3[i] for i in idx])


def _not_applied(camp: Compiled, ctx: Context, out: Priced, notes: list[Skipped], held: set[str],
                 use: set[str] | None) -> list[Skipped]:  # fmt: skip
    """Everything relevant to this cart that did not apply, with its reason."""
    lines = ctx.lines
    shops_in = ctx.by_shop
    result: list[Skipped] = []
    reported: set[str] = set()

    def add(s: Skipped) -> None:
        if s.promo.id not in reported:
            reported.add(s.promo.id)
            result.append(s)

    inactive = ctx.inactive
    if inactive:
        for p in camp.promos:
            reason = inactive.get(p.id)
            if reason is None:
                continue
            if p.shop is not None and p.shop not in shops_in:
                continue
            if p.is_coupon and p.id not in held:
                continue
            if p.kind == "platform_red_packet" and not ctx.cart.red_packets.get(p.id):
                continue
            if any(p.in_scope(ln.item, ln.category) for ln in lines if p.shop is None or ln.shop == p.shop):
                add(Skipped(p, "not_in_window" if reason == "preheat" else reason,
                            detail="preheat: shown, not applied" if reason == "preheat" else None))
    active = ctx.active
    losers: dict[str, list[Promo]] = {}  # per shop: its active item promotions that won no line
    item_promos = camp.item_promos
    if item_promos:
        won: set[str] | None = None  # the item promotions that won a line, made when first asked
        # the cart's shops (a deposit payment's shop is in no ``by_shop``)
        for shop in dict.fromkeys([ln.shop for ln in lines]) if ctx.has_presale else shops_in:
            for p in item_promos.get(shop, ()):
                if p.id in active:
                    if won is None:
                        won = {q.id for q in ctx.item_of if q is not None}
                    if p.id not in won:
                        losers.setdefault(shop, []).append(p)
    if losers:  # each losing promotion is reported with the first line in its scope
        for ln in lines:
            lost = losers.get(ln.shop)
            if lost:
                for p in lost:
                    if p.in_scope(ln.item, ln.category):
                        winner = ctx.item_of[ln.pos]
                        add(Skipped(p, "one_item_promotion_per_line", by=winner.id if winner else None))
    for s in notes:
        add(s)
    for o in out.options:
        for p in camp.shop_promos.get(o.shop, ()):
            if p.id in active and (o.shop_result is None or o.shop_result.promo is not p):
                add(Skipped(p, "one_shop_promotion_per_order", by=o.shop_result.promo.id if o.shop_result else None))
        for r in o.coupon_results:
            if isinstance(r, Skipped):
                add(r)
    chosen = {c.id for c in out.coupons}
    run: list[int] | None = None  # A2: made only when a held card is tried again
    chosen_shop: dict[str, ShopOption] | None = None
    for p in camp.wallet_promos:
        if p.id not in held or p.id in chosen or p.id in reported or p.id not in active:
            continue
        if p.card_kind is not None:
            if chosen_shop is None:
                chosen_shop = {o.shop: o for o in out.options}
            o2 = chosen_shop.get(p.shop or "")
            if o2 is None:
                continue
            r = ctx.tried.get((o2.shop_result, p))  # tried already while the shop's options were made
            if r is None:
                if run is None:
                    run = list(ctx.a1)
                    for o in out.options:
                        if o.shop_result is not None:
                            for i, s in o.shop_result.shares.items():
                                run[i] -= s
                r = apply_coupon(ctx, p, o2.idx, run)
            if isinstance(r, Skipped):
                add(r)
            elif use is not None:
                add(Skipped(p, "not_named"))
            elif o2.coupons and any(c.card_kind != p.card_kind for c in o2.coupons):
                add(Skipped(p, "one_card_kind_per_shop", by=o2.coupons[0].id))
            else:
                add(Skipped(p, "not_chosen", by=o2.coupons[0].id if o2.coupons else None))
        else:
            add(_category_coupon_reason(ctx, out, p, use))
    for s in out.platform_skipped:
        add(s)
    # a named coupon is never silently dropped (e.g. its shop has no lines here); a chosen one applied or is reported
    if use is not None and not use <= reported and not use <= chosen:
        done = {a.promo.id for a in out.platform_applied}
        for o in out.options:
            for r in o.coupon_results:
                if type(r) is Applied:
                    done.add(r.promo.id)
        if not use <= done:
            for p in camp.wallet_promos:  # only coupons can be named
                if p.id in use and p.id not in done:
                    add(Skipped(p, "no_lines_in_scope"))
    return result


def _category_coupon_reason(ctx: Context, out: Priced, p: Promo, use: set[str] | None) -> Skipped:
    """Why a held category coupon is not in the quote: its threshold on the base it would be measured on
    (A1, or what layer 3 left in the sequential ruleset), else it was not named or not chosen."""
    a3 = list(out.run)
    for a in out.platform_applied:
        for i, s in a.shares.items():
            a3[i] += s
    base_of = ctx.a1 if ctx.parallel else a3
    scope = [i for i in ctx.eligible_idx if p.in_scope(ctx.lines[i].item, ctx.lines[i].category)]
    if not scope:
        return Skipped(p, "no_lines_in_scope")
    assert p.threshold is not None
    base = sum(base_of[i] for i in scope)
    if p.threshold.discount(base) <= 0:
        return Skipped(p, "threshold_not_met", gap=p.threshold.gap(base))
    return Skipped(p, "not_named" if use is not None else "not_chosen")

