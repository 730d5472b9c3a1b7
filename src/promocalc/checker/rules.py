"""CI checks on a schema-valid config beyond what loading needs: the calendar, windows, membership.

Errors here make ``promocalc check`` fail but do not stop :func:`promocalc.load`; warnings flag what is
valid but probably not what was meant. Every check is listed with its ``type`` in ``docs/check.md``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..errors import Loc, Problem
from ..model.config import Config, ItemsTier, WindowModel
from ..money import fmt

_STAGES = ("threshold_setup", "threshold_edit_deadline", "preheat", "effective")
_STAGE_NAMES = {
    "threshold_setup": "threshold setup",
    "threshold_edit_deadline": "threshold edit deadline",
    "preheat": "preheat",
    "effective": "effective window",
}


def epoch(text: str | None, tz: tzinfo) -> float | None:
    """Epoch seconds of an ISO time (naive = ``tz``), or ``None`` when absent or out of range."""
    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def campaign_tz(cfg: Config) -> tzinfo:
    """The campaign timezone (validated by the schema)."""
    return ZoneInfo(cfg.campaign.timezone)


def check_config(cfg: Config) -> list[Problem]:
    """Every CI-only problem of a schema-valid config: errors and warnings."""
    tz = campaign_tz(cfg)
    out = _calendar(cfg, tz)
    out += _validity(cfg, tz)
    out += _membership(cfg)
    out += _promotions(cfg)
    return out


class _Stage(NamedTuple):
    name: str
    first: float
    first_loc: Loc
    first_text: str
    last: float
    last_text: str


def _calendar(cfg: Config, tz: tzinfo) -> list[Problem]:
    """Each window starts before it ends; setup < edit deadline < preheat < effective."""
    cal = cfg.campaign.calendar
    if cal is None:
        return []
    base: Loc = ("campaign", "calendar")
    out: list[Problem] = []
    present: list[_Stage] = []
    for stage in _STAGES:
        value = getattr(cal, stage)
        if value is None:
            continue
        if isinstance(value, str):
            t = epoch(value, tz)
            if t is not None:
                present.append(_Stage(stage, t, base + (stage,), value, t, value))
            continue
        start, end = epoch(value.start, tz), epoch(value.end, tz)
        if start is not None and end is not None and start >= end:
            out.append(Problem("window_empty", base + (stage, "end"),
                               f"{_STAGE_NAMES[stage]} ends at {value.end}, not after it starts ({value.start})"))
            continue
        # a window with one end given counts as that instant
        ends = [(t, text, part) for t, text, part in ((start, value.start, "start"), (end, value.end, "end"))
                if t is not None and text is not None]
        if ends:
            (t0, text0, part0), (t1, text1, _) = ends[0], ends[-1]
            present.append(_Stage(stage, t0, base + (stage, part0), text0, t1, text1))
    for prev, cur in pairwise(present):
        if cur.first < prev.last:
            verb = "is at" if cur.name == "threshold_edit_deadline" else "starts at"
            ends_word = "" if prev.name == "threshold_edit_deadline" else " ends"
            out.append(Problem(
                "calendar_order", cur.first_loc,
                f"the {_STAGE_NAMES[cur.name]} {verb} {cur.first_text}, before the {_STAGE_NAMES[prev.name]}"
                f"{ends_word} ({prev.last_text}); the calendar runs threshold setup, edit deadline, preheat, "
                "effective window in that order"))
    return out


class Span(NamedTuple):
    """A half-open window in epoch seconds (``None``: open) and how to show it."""

    start: float | None
    end: float | None
    text: str


def campaign_span(cfg: Config, tz: tzinfo) -> Span | None:
    """The campaign from threshold setup start (else its earliest time) to effective end; ``None``: no calendar."""
    cal = cfg.campaign.calendar
    if cal is None:
        return None
    times = [w.start for w in (cal.threshold_setup, cal.preheat, cal.effective) if w is not None]
    times.append(cal.threshold_edit_deadline)
    starts = [(t, text) for text in times if text is not None and (t := epoch(text, tz)) is not None]
    begin = min(starts, default=None)
    end_text = cal.effective.end if cal.effective is not None else None
    end = epoch(end_text, tz)
    if begin is None and end is None:
        return None
    return Span(begin[0] if begin else None, end, f"{begin[1] if begin else '…'} to {end_text or '…'}")


def _overlaps(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> bool:
    """Whether two half-open windows share an instant (``None`` ends are open)."""
    lo = max((x for x in (a[0], b[0]) if x is not None), default=None)
    hi = min((x for x in (a[1], b[1]) if x is not None), default=None)
    return lo is None or hi is None or lo < hi


def _validity(cfg: Config, tz: tzinfo) -> list[Problem]:
    """Promotion windows: not empty, overlapping the campaign; a voucher's overlapping the effective window."""
    out: list[Problem] = []
    span = campaign_span(cfg, tz)
    cal = cfg.campaign.calendar
    effective = None
    if cal is not None and cal.effective is not None:
        effective = (epoch(cal.effective.start, tz), epoch(cal.effective.end, tz))
    for i, p in enumerate(cfg.promotions):
        if p.valid is None:
            continue
        many = isinstance(p.valid, list)
        items: list[WindowModel] = p.valid if isinstance(p.valid, list) else [p.valid]
        vloc: Loc = ("promotions", i, "valid")
        kept: list[tuple[Loc, tuple[float | None, float | None], WindowModel]] = []
        for j, w in enumerate(items):
            wloc = vloc + ((j,) if many else ())
            win = (epoch(w.start, tz), epoch(w.end, tz))
            if win[0] is not None and win[1] is not None and win[0] >= win[1]:
                out.append(Problem("window_empty", wloc + ("end",),
                                   f"promotion {p.id!r}: window ends at {w.end}, not after it starts ({w.start})"))
                continue
            kept.append((wloc, win, w))
        if not kept:
            continue
        if span is not None:
            inside = [k for k in kept if _overlaps(k[1], (span.start, span.end))]
            if not inside:
                out.append(Problem("valid_outside_campaign", vloc,
                                   f"promotion {p.id!r} is valid only outside the campaign "
                                   f"({span.text}); it can never apply"))
                continue
            for wloc, win, w in kept:
                if len(kept) > 1 and not _overlaps(win, (span.start, span.end)):
                    out.append(Problem("valid_window_outside_campaign", wloc,
                                       f"promotion {p.id!r}: window {w.start or '…'} to {w.end or '…'} lies outside "
                                       f"the campaign ({span.text})", "warning"))
        if p.kind == "category_voucher" and effective is not None and not any(
                _overlaps(k[1], effective) for k in kept):
            out.append(Problem("voucher_never_effective", vloc,
                               f"category voucher {p.id!r} is valid only outside the effective window; "
                               "it is never applied", "warning"))
    return out


def _membership(cfg: Config) -> list[Problem]:
    """The category voucher and the groups: offered, chosen by every member shop, chosen only by members."""
    out: list[Problem] = []
    vouchers = [(i, p) for i, p in enumerate(cfg.promotions) if p.kind == "category_voucher"]
    offering = [cid for cid, c in cfg.categories.items() if c.voucher_groups]
    if not vouchers:
        for cid in offering:
            out.append(Problem("voucher_missing", ("categories", cid, "voucher_groups"),
                               f"category {cid!r} offers voucher groups but no promotion is a category_voucher"))
    else:
        if not offering:
            i, p = vouchers[0]
            out.append(Problem("voucher_without_groups", ("promotions", i, "kind"),
                               f"category voucher {p.id!r}: no category offers voucher groups, so no line can "
                               "use it", "warning"))
        for sid, shop in cfg.shops.items():
            if shop.campaign_member and not shop.voucher_groups:
                out.append(Problem("member_without_group", ("shops", sid, "campaign_member"),
                                   f"member shop {sid!r} chooses no voucher group; with a category voucher every "
                                   "member shop chooses one (逾期未设置将无法成为正式活动商家)"))
    for sid, shop in cfg.shops.items():
        if not shop.campaign_member and shop.voucher_groups:
            out.append(Problem("choice_without_membership", ("shops", sid, "voucher_groups"),
                               f"shop {sid!r} chooses voucher groups but is not a campaign member "
                               "(campaign_member: true); its choice is never used", "warning"))
    crossing = {p.id for p in cfg.promotions if p.kind == "cross_shop_reduction"}
    for sid, shop in cfg.shops.items():
        if shop.cross_shop_tier is None:
            continue
        loc: Loc = ("shops", sid, "cross_shop_tier")
        if not crossing:
            out.append(Problem("tier_unused", loc, f"shop {sid!r} has a cross_shop_tier but no promotion is a "
                               "cross_shop_reduction", "warning"))
        elif not shop.campaign_member:
            out.append(Problem("tier_unused", loc, f"shop {sid!r} has a cross_shop_tier but is not a campaign "
                               "member; platform promotions never reach its lines", "warning"))
    return out


def _promotions(cfg: Config) -> list[Problem]:
    """Per promotion: amounts that give nothing, caps that cut every tier, scopes that match nothing."""
    out: list[Problem] = []
    for i, p in enumerate(cfg.promotions):
        loc: Loc = ("promotions", i)
        kind = p.kind
        if kind == "shop_red_packet" and p.off <= 0:
            out.append(Problem("off_not_positive", loc + ("off",), f"red packet {p.id!r}: off must be above 0"))
        if kind == "amount_off" and p.off <= 0:
            out.append(Problem("no_discount", loc + ("off",), f"promotion {p.id!r} takes 0.00 off", "warning"))
        if kind == "quantity_deal":
            out += _quantity_tiers(p.id, p.tiers, loc + ("tiers",))
        max_off = getattr(p, "max_off", None)
        if max_off is not None:
            every = getattr(p, "every", None)
            tiers = getattr(p, "tiers", None)
            if max_off <= 0:
                out.append(Problem("no_discount", loc + ("max_off",),
                                   f"promotion {p.id!r}: max_off {fmt(max_off)} lets no cart get anything off",
                                   "warning"))
            elif every is not None and every.off is not None and max_off < every.off:
                out.append(Problem("max_off_below_step", loc + ("max_off",),
                                   f"promotion {p.id!r}: max_off {fmt(max_off)} is below one step "
                                   f"({fmt(every.off)} off every {fmt(every.spend)}); every tier lies beyond "
                                   "the cap", "warning"))
            elif tiers:
                beyond = [j for j, t in enumerate(tiers) if t.off is not None and t.off > max_off]
                for j in beyond:
                    t = tiers[j]
                    out.append(Problem("tier_beyond_max_off", loc + ("tiers", j),
                                       f"promotion {p.id!r}: tier {fmt(t.spend)}-{fmt(t.off)} is above max_off "
                                       f"{fmt(max_off)}; max_off caps a repeating 'every' only", "warning"))
        scope = p.scope
        if scope is not None:
            if scope.items is not None and not scope.items:
                out.append(Problem("scope_matches_nothing", loc + ("scope", "items"),
                                   f"promotion {p.id!r}: an empty item list matches no line", "warning"))
            elif scope.items and set(scope.items) <= set(scope.exclude_items):
                out.append(Problem("scope_matches_nothing", loc + ("scope", "exclude_items"),
                                   f"promotion {p.id!r}: every item of its scope is excluded; it matches no line",
                                   "warning"))
            if scope.categories is not None and not scope.categories:
                out.append(Problem("scope_matches_nothing", loc + ("scope", "categories"),
                                   f"promotion {p.id!r}: an empty category list matches no line", "warning"))
        shop_id = getattr(p, "shop", None)
        shop = cfg.shops.get(shop_id) if isinstance(shop_id, str) else None
        if p.audience is not None and shop is not None and shop.customer_groups:
            for field in ("include_groups", "exclude_groups"):
                for j, g in enumerate(getattr(p.audience, field)):
                    if g not in shop.customer_groups:
                        from ..model.semantics import suggest

                        out.append(Problem("unknown_customer_group", loc + ("audience", field, j),
                                           f"promotion {p.id!r}: shop {shop_id!r} keeps no customer group {g!r}, "
                                           "so only a buyer whose cart names it matches"
                                           f"{suggest(g, shop.customer_groups)}", "warning"))
    return out


def _quantity_tiers(pid: str, tiers: list[ItemsTier], loc: Loc) -> list[Problem]:
    """Quantity tiers give something, and more as the item count grows (tiers are stepped: the highest one reached wins)."""
    out: list[Problem] = []
    for j, t in enumerate(tiers):
        if t.off is not None and t.off <= 0:
            out.append(Problem("off_not_positive", loc + (j,), f"promotion {pid!r}: tier of {t.items} items: off "
                               "must be above 0"))
        if not j:
            continue
        prev = tiers[j - 1]
        if prev.off is not None and t.off is not None and t.off <= prev.off:
            out.append(Problem("tiers_not_increasing", loc + (j,), f"promotion {pid!r}: tier of {t.items} items "
                               f"takes {fmt(t.off)} off, no more than the {prev.items}-item tier's {fmt(prev.off)}"))
        elif prev.rate is not None and t.rate is not None and t.rate >= prev.rate:
            out.append(Problem("tiers_not_increasing", loc + (j,), f"promotion {pid!r}: tier of {t.items} items "
                               f"pays rate {t.rate}, not below the {prev.items}-item tier's {prev.rate}"))
    return out
