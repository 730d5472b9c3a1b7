"""The text receipt a person reads: per shop and line, each layer's discount, and what did not apply and why."""

from __future__ import annotations

from typing import Any

from .locale import money, text
from .model.fields import shown

_LAYER_KEYS = (("item", "item"), ("shop", "shop_layer"), ("coupon", "coupon"), ("platform", "platform"))


def reason_text(entry: dict[str, Any], locale: str, tiers: str = "") -> str:
    """One not-applied reason in words, e.g. ``再买 ¥20.00 可用满300减20``."""
    reason = entry["reason"]
    if reason == "threshold_not_met" and "gap" in entry:
        if isinstance(entry["gap"], int):
            return text(locale, "threshold_not_met_items", gap=entry["gap"], tiers=tiers or entry["id"])
        return text(locale, "threshold_not_met", gap=money(entry["gap"], locale), tiers=tiers or entry["id"])
    if reason == "not_in_window" and entry.get("detail", "").startswith("preheat"):
        return text(locale, "preheat")
    return text(locale, reason, by=entry.get("by") or "-")


def tiers_label(th: Any, locale: str) -> str:
    """Tiers as people write them: 满300减20 / 300-20."""
    parts = []
    if th.every is not None:
        need, off = th.every.need // 100, (th.every.off or 0) // 100
        return f"每满{need}减{off}" if locale == "zh_CN" else f"{off} off every {need}"
    for t in th.tiers:
        if th.by_items:
            parts.append(f"满{t.need}件" if locale == "zh_CN" else f"{t.need} items")
        elif t.off is not None:
            parts.append(f"满{t.need // 100}减{t.off // 100}" if locale == "zh_CN" else f"{t.need // 100}-{t.off // 100}")
        else:
            rate = float(t.rate)  # a rate shown to a person, not money
            parts.append(f"满{t.need // 100}打{rate * 10:g}折" if locale == "zh_CN" else f"{t.need // 100}@{rate:g}")
    return "/".join(parts)


def render_quote(q: dict[str, Any], locale: str = "zh_CN", tiers: dict[str, Any] | None = None) -> str:
    """Render a quote dict (FORMATS.md shape) as a receipt; ``tiers`` maps not-applied ids to their thresholds."""
    tiers = tiers or {}
    q = _escaped(q)  # ids and names come from outside: a newline or an escape code must not forge a line
    out = [f"{text(locale, 'receipt')} · {q.get('campaign', '')}"]
    by_shop: dict[str, list[dict[str, Any]]] = {}
    for ln in q["lines"]:
        by_shop.setdefault(ln["shop"], []).append(ln)
    for shop in q["shops"]:
        out.append("")
        out.append(f"{text(locale, 'shop')} {shop['id']}")
        for ln in by_shop.get(shop["id"], []):
            head = f"  {ln['id']} {ln['item']} ×{ln.get('qty', 1)}"
            out.append(f"{head}   {text(locale, 'subtotal')} {money(ln['subtotal'], locale)}")
            for key, label in _LAYER_KEYS:
                amount = ln["discounts"][key]
                if amount != "0.00":
                    out.append(f"      − {text(locale, label):<10} {money(amount, locale)}")
            if "deposit_paid" in ln:
                out.append(f"      {text(locale, 'deposit_paid')} {money(ln['deposit_paid'], locale)}")
            out.append(f"      {text(locale, 'payable')} {money(ln['payable'], locale)}")
        if shop["postage"] != "0.00":
            out.append(f"  {text(locale, 'postage')} {money(shop['postage'], locale)}")
        out.append(f"  {text(locale, 'payable')} {money(shop['payable'], locale)}")
    out.append("")
    if q["applied"]:
        out.append(text(locale, "applied"))
        for a in q["applied"]:
            extra = f" ({a['vouchers']} {text(locale, 'vouchers')})" if "vouchers" in a else ""
            out.append(f"  ✓ {a['id']} [{a['layer']}] −{money(a['amount'], locale)}{extra}")
    if q["not_applied"]:
        out.append(text(locale, "not_applied"))
        for s in q["not_applied"]:
            t = tiers.get(s["id"])
            label = tiers_label(t, locale) if t is not None else s.get("tiers", s["id"])
            out.append(f"  ✗ {s['id']}: {reason_text(s, locale, label)}")
    out.append("")
    out.append(f"{text(locale, 'subtotal')} {money(q['subtotal'], locale)}   {text(locale, 'discount')} "
               f"{money(q['discount'], locale)}   {text(locale, 'postage')} {money(q['postage'], locale)}")
    out.append(f"{text(locale, 'total')} {money(q['payable'], locale)}")
    if q.get("optimal"):
        out.append(f"({text(locale, 'optimal')})")
    return "\n".join(out) + "\n"


def _escaped(value: Any) -> Any:
    """``value`` with every string's control characters escaped, for printing."""
    if isinstance(value, str):
        return shown(value, 200)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
