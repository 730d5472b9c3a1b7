"""Checks against the previous version of a config at a given time (what may no longer change once the calendar says so).

After the threshold setup closes, a category offering a single group may not change; after the edit
deadline no group choice or offered tiers may change; a category voucher may never be deleted nor its
effective time changed. Every problem points into the new config.
"""

from __future__ import annotations

from ..errors import Loc, Problem
from ..model.config import Config, MoneyTier, WindowModel
from .rules import campaign_tz, epoch

PROMOTIONS_KEY: Loc = ("promotions",)
"""Where a deletion is reported: the ``promotions:`` key of the new config (``ctx['key']`` is set)."""


def _tiers(ts: list[MoneyTier]) -> tuple[tuple[int, int | None, object], ...]:
    return tuple((t.spend, t.off, t.rate) for t in ts)


def _window(cfg: Config, w: WindowModel | list[WindowModel] | None) -> tuple[tuple[float | None, ...], ...] | None:
    if w is None:
        return None
    tz = campaign_tz(cfg)
    items = w if isinstance(w, list) else [w]
    return tuple((epoch(x.start, tz), epoch(x.end, tz)) for x in items)


def check_against(new: Config, old: Config, now: float) -> list[Problem]:
    """Errors for what changed from ``old`` to ``new`` that may no longer change at ``now`` (epoch seconds)."""
    out: list[Problem] = []
    # the calendar in force decides: moving a deadline in the same change does not reopen it
    ruling = old if old.campaign.calendar is not None else new
    tz = campaign_tz(ruling)
    cal = ruling.campaign.calendar
    deadline = epoch(cal.threshold_edit_deadline, tz) if cal is not None else None
    setup_end = None
    if cal is not None and cal.threshold_setup is not None:
        setup_end = epoch(cal.threshold_setup.end, tz)
    after_setup = setup_end is not None and now >= setup_end
    after_deadline = deadline is not None and now >= deadline
    when = cal.threshold_edit_deadline if cal is not None else None
    closed = cal.threshold_setup.end if cal is not None and cal.threshold_setup is not None else None

    loc: Loc

    def frozen(cid: str, what: str, loc: Loc) -> None:
        # the version in force decides; a category new in this version counts as it is offered now
        offered = old.categories[cid] if cid in old.categories else new.categories.get(cid)
        single = offered is not None and len(offered.voucher_groups) == 1
        if single and after_setup:
            out.append(Problem("single_option_changed", loc,
                               f"{what} changed, but category {cid!r} offers a single group, which cannot change "
                               f"once threshold setup has closed ({closed})"))
        elif after_deadline:
            out.append(Problem("changed_after_deadline", loc,
                               f"{what} changed after the threshold edit deadline ({when})"))

    if after_setup or after_deadline:
        for cid in new.categories.keys() | old.categories.keys():
            ng = new.categories[cid].voucher_groups if cid in new.categories else {}
            og = old.categories[cid].voucher_groups if cid in old.categories else {}
            for gid in ng.keys() | og.keys():
                if gid in ng and gid in og and _tiers(ng[gid]) == _tiers(og[gid]):
                    continue
                if gid in ng:
                    what = f"tiers of group {gid!r} of category {cid!r}" if gid in og else (
                        f"group {gid!r} of category {cid!r} is new; offered groups")
                    frozen(cid, what, ("categories", cid, "voucher_groups", gid))
                else:
                    loc = ("categories", cid, "voucher_groups") if cid in new.categories else ("categories",)
                    frozen(cid, f"group {gid!r} of category {cid!r} was removed; offered groups", loc)
        for sid in new.shops.keys() | old.shops.keys():
            nc = new.shops[sid].voucher_groups if sid in new.shops else {}
            oc = old.shops[sid].voucher_groups if sid in old.shops else {}
            for cid in nc.keys() | oc.keys():
                if nc.get(cid) == oc.get(cid):
                    continue
                if cid in nc:
                    before = f"{oc[cid]!r}" if cid in oc else "none"
                    frozen(cid, f"the group shop {sid!r} chooses for {cid!r} ({before} -> {nc[cid]!r})",
                           ("shops", sid, "voucher_groups", cid))
                else:
                    loc = ("shops", sid, "voucher_groups") if sid in new.shops else ("shops",)
                    frozen(cid, f"the group shop {sid!r} chooses for {cid!r} ({oc[cid]!r} -> none)", loc)

    new_vouchers = {p.id: i for i, p in enumerate(new.promotions) if p.kind == "category_voucher"}
    for p in old.promotions:
        if p.kind != "category_voucher":
            continue
        if p.id not in new_vouchers:
            out.append(Problem("voucher_deleted", PROMOTIONS_KEY,
                               f"category voucher {p.id!r} was deleted; a voucher set-up can never be deleted",
                               ctx={"key": True}))
            continue
        i = new_vouchers[p.id]
        np = new.promotions[i]
        if _window(new, np.valid) != _window(old, p.valid):
            loc = ("promotions", i, "valid") if np.valid is not None else ("promotions", i)
            out.append(Problem("effective_changed", loc,
                               f"category voucher {p.id!r}: its valid window changed; a voucher's effective time "
                               "can never change"))
    ne = new.campaign.calendar.effective if new.campaign.calendar is not None else None
    oe = old.campaign.calendar.effective if old.campaign.calendar is not None else None
    if _window(new, ne) != _window(old, oe):
        loc = ("campaign", "calendar", "effective")
        if ne is not None and oe is not None:
            same_start = _window(new, ne.model_copy(update={"end": None})) == _window(
                old, oe.model_copy(update={"end": None}))
            loc = loc + ("end",) if same_start else loc + ("start",)
        if ne is None:
            loc = ("campaign", "calendar") if new.campaign.calendar is not None else ("campaign",)
        before = f"{oe.start} to {oe.end}" if oe is not None else "none"
        after = f"{ne.start} to {ne.end}" if ne is not None else "none"
        out.append(Problem("effective_changed", loc,
                           f"the effective window changed ({before} -> {after}); it can never change"))
    return out
