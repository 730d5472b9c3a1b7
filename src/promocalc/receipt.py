"""Receipts a person reads: a quote or a refund result as rows of words and amounts, as text or HTML.

A receipt is built once as :class:`Row` objects (names from the config, words from the locale's catalog)
and then written out: as text with columns aligned by display width (a Chinese character takes two
columns), or as an HTML table for a notebook.
"""

from __future__ import annotations

import html
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .locale import money, normalize_locale, pad, rpad, short_money, text, width
from .model.fields import shown
from .thresholds import Threshold, Tier

if TYPE_CHECKING:
    from .quote import Quote
    from .refunds import RefundResult

MINUS = "−"
_LAYER_KEY = {"item": "layer_item", "shop": "layer_shop", "coupon": "layer_coupon", "platform": "layer_platform",
              "payment": "layer_payment", "postage": "free_postage", "gift": "gift"}  # fmt: skip
_MAX_LABEL = 60  # past this many columns a label no longer pushes every amount to the right


class Row:
    """One receipt row: a heading, a label with an amount, a note, or a blank line."""

    __slots__ = ("kind", "indent", "label", "amount", "strong")

    def __init__(self, kind: str, label: str = "", amount: str = "", indent: int = 0, strong: bool = False) -> None:
        self.kind = kind  # "head", "row", "note" or "blank"
        self.label = label
        self.amount = amount
        self.indent = indent
        self.strong = strong


def _head(label: str) -> Row:
    return Row("head", label)


def _row(label: str, amount: str, indent: int = 0, strong: bool = False) -> Row:
    return Row("row", label, amount, indent, strong)


def _note(label: str, indent: int = 0) -> Row:
    return Row("note", label, indent=indent)


_BLANK = Row("blank")


# -- writing rows out ----------------------------------------------------------------------------------


def to_text(rows: list[Row]) -> str:
    """Rows as plain text: labels padded and amounts right-aligned by display width.

    Labels carry ids and names from outside: control characters are escaped, so a crafted id cannot
    start a line of its own (a fake total) or move the cursor.
    """
    rows = [Row(r.kind, shown(r.label, 200), shown(r.amount, 200), r.indent, r.strong) for r in rows]
    labels = [r.indent + width(r.label) for r in rows if r.kind == "row"]
    cells = min(max(labels, default=0), _MAX_LABEL)
    amount = max((width(r.amount) for r in rows if r.kind == "row"), default=0)
    out = []
    for r in rows:
        lead = " " * r.indent
        if r.kind == "row":
            out.append(f"{pad(lead + r.label, cells)}  {rpad(r.amount, amount)}")
        elif r.kind == "blank":
            out.append("")
        else:
            out.append(lead + r.label)
    return "\n".join(out) + "\n"


def to_html(rows: list[Row]) -> str:
    """Rows as one HTML table (every text escaped)."""
    out = ['<table class="promocalc-receipt">']
    for r in rows:
        label = html.escape(r.label)
        style = f' style="padding-left:{r.indent / 2:g}em"' if r.indent else ""
        if r.kind == "head":
            out.append(f'<tr><th colspan="2" style="text-align:left">{label}</th></tr>')
        elif r.kind == "row":
            amount = html.escape(r.amount)
            if r.strong:
                label, amount = f"<b>{label}</b>", f"<b>{amount}</b>"
            out.append(f'<tr><td{style}>{label}</td><td style="text-align:right">{amount}</td></tr>')
        elif r.kind == "note":
            out.append(f'<tr><td colspan="2"{style}>{label}</td></tr>')
    out.append("</table>")
    return "".join(out)


# -- words for tiers and reasons -----------------------------------------------------------------------


def _decimal(x: Fraction) -> str:
    d = (Decimal(x.numerator) / Decimal(x.denominator)).normalize()
    return format(d, "f")


def tier_label(tier: Tier, by_items: bool, locale: str) -> str:
    """One tier in words: ``满300减20``, ``满2件9折``; ``¥20 off ¥300``, ``10% off 2 items``."""
    zh = locale == "zh_CN"
    need: object = tier.need if by_items else (short_money(tier.need) if zh else f"¥{short_money(tier.need)}")
    key = "tier_items_" if by_items else "tier_"
    if tier.off is not None:
        off = short_money(tier.off) if zh else f"¥{short_money(tier.off)}"
        return text(locale, key + "off", need=need, off=off)
    rate = tier.rate if tier.rate is not None else Fraction(1)
    return text(locale, key + "rate", need=need, rate=_decimal(rate * 10), pct=_decimal((1 - rate) * 100))


def tiers_label(th: Threshold, locale: str, first_only: bool = False) -> str:
    """A threshold in words: every tier (or only the first one, the one a shopper must reach next)."""
    if th.every is not None:
        zh = locale == "zh_CN"
        amt = (lambda f: short_money(f)) if zh else (lambda f: f"¥{short_money(f)}")
        need, off = amt(th.every.need), amt(th.every.off or 0)
        if th.max_off is not None:
            return text(locale, "tier_every_cap", need=need, off=off, cap=amt(th.max_off))
        return text(locale, "tier_every", need=need, off=off)
    tiers = th.tiers[:1] if first_only else th.tiers
    return text(locale, "tier_or").join(tier_label(t, th.by_items, locale) for t in tiers)


def reason_text(entry: dict[str, Any], locale: str, tiers: Threshold | None = None,
                names: dict[str, str] | None = None) -> str:  # fmt: skip
    """One not-applied reason in words, e.g. ``再买 ¥20.00 可享满300减20`` or ``再买 1 件可享满2件9折``."""
    locale = normalize_locale(locale)
    reason = entry["reason"]
    names = names or {}
    if reason == "threshold_not_met" and "gap" in entry:
        label = tiers_label(tiers, locale, first_only=True) if tiers is not None else str(entry.get("tiers", entry["id"]))
        gap = entry["gap"]
        if isinstance(gap, int):
            return text(locale, "threshold_not_met_items", gap=gap, tiers=label)
        return text(locale, "threshold_not_met", gap=money(gap, locale), tiers=label)
    if reason == "not_in_window" and str(entry.get("detail", "")).startswith("preheat"):
        return text(locale, "preheat")
    by = entry.get("by")
    return text(locale, reason, by=names.get(by, by) if by else "-")


# -- the quote -----------------------------------------------------------------------------------------


def _when(at: str) -> str:
    try:
        return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(at)


def _minus(amount: int | str, locale: str) -> str:
    return MINUS + money(amount, locale)


def _paren(parts: list[str], locale: str) -> str:
    if locale == "zh_CN":
        return "（" + "，".join(parts) + "）"
    return " (" + ", ".join(parts) + ")"


def quote_rows(q: Quote, locale: str = "zh_CN", *, data: dict[str, Any] | None = None) -> list[Row]:
    """The rows of a quote's receipt: per shop and line each layer's discount, then what applied and what did not
    (``data``: ``q.to_dict()`` when the caller has it already)."""
    locale = normalize_locale(locale)
    d = q.to_dict() if data is None else data
    camp = q._camp
    ctx = q._p.ctx

    def t(key: str, **kw: object) -> str:
        return text(locale, key, **kw)

    names = {p.id: p.name or p.id for p in camp.promos}
    colon = t("colon")
    rows = [_head(f"{t('receipt')} · {camp.name or camp.id} · {_when(d['at'])}")]
    by_shop: dict[str, list[int]] = {}
    for i, ln in enumerate(ctx.lines):
        by_shop.setdefault(ln.shop, []).append(i)
    presale_applied: list[Row] = []
    layer_shares = q._layer_shares  # made per read: once for the whole receipt
    for shop in d["shops"]:
        sid = shop["id"]
        rows += [_BLANK, _head(f"{t('shop')}{colon}{camp.shops[sid].name or sid}")]
        for i in by_shop.get(sid, []):
            ln = ctx.lines[i]
            dl = d["lines"][i]
            label = f"{ln.title or ln.item} ×{ln.qty}"
            ps = ln.presale
            if ps is not None and ps.deposit_stage:
                rows.append(_row(label + _paren([t("deposit_stage")], locale), money(dl["subtotal"], locale), 2))
                rows.append(_row(t("line_payable"), money(dl["payable"], locale), 4))
                continue
            rows.append(_row(label, money(dl["subtotal"], locale), 2))
            expansion = (ps.deposit_value - ps.deposit) * ln.qty if ps is not None else 0
            instant = ps.instant_off * ln.qty if ps is not None else 0
            layer_amounts = layer_shares[i]
            parts = [("layer_item", layer_amounts[0] - expansion - instant), ("presale_expansion", expansion),
                     ("instant_off", instant), ("layer_shop", layer_amounts[1]), ("layer_coupon", layer_amounts[2]),
                     ("layer_platform", layer_amounts[3])]  # fmt: skip
            if len(layer_amounts) > 4:
                parts.append(("vip88", layer_amounts[4]))
            for key, amount in parts:
                if amount:
                    rows.append(_row(t(key), _minus(amount, locale), 4))
            paid_by = dl.get("paid_by")
            if paid_by is not None:
                for key in ("coins", "red_packets"):
                    if paid_by[key] != "0.00":
                        rows.append(_row(t("paid_" + key), _minus(paid_by[key], locale), 4))
            for key, amount in (("presale_expansion", expansion), ("instant_off", instant)):
                if amount:
                    presale_applied.append(_row(f"✓ {t(key)}{_paren([ln.title or ln.item], locale)}", _minus(amount, locale), 2))
            if ctx.dep[i]:
                rows.append(_row(t("deposit_paid"), _minus(ctx.dep[i], locale), 4))
            rows.append(_row(t("line_payable"), money(dl["payable"], locale), 4))
        for g in d["lines"][len(ctx.lines):]:
            if g["shop"] == sid:
                rows.append(_row(f"{t('gift')} {g['item']} ×{g['qty']}{_paren([t('gift_value', value=money(g['value'], locale))], locale)}",
                                 money("0.00", locale), 2))  # fmt: skip
        if shop.get("postage_waived", "0.00") != "0.00":
            rows.append(_row(f"{t('postage')}{_paren([t('free_postage')], locale)}", _minus(shop["postage_waived"], locale), 2))
        if shop["postage"] != "0.00":
            rows.append(_row(t("postage"), money(shop["postage"], locale), 2))
        rows.append(_row(t("shop_payable"), money(shop["payable"], locale), 2, strong=True))
    if d["applied"] or presale_applied:
        rows += [_BLANK, _head(t("applied"))]
        item_done = False
        for a in d["applied"]:
            if a["layer"] != "item" and not item_done:
                rows += presale_applied
                item_done = True
            extra = [t(_LAYER_KEY[a["layer"]])]
            if "vouchers" in a:
                extra.append(t("vouchers", n=a["vouchers"]))
            if "packets" in a:
                extra.append(t("packets", n=a["packets"]))
                if a["left"] != "0.00":
                    extra.append(t("packet_left", left=money(a["left"], locale)))
            if "coins" in a:
                extra.append(t("coins_n", n=a["coins"]))
            label = names.get(a["id"]) or (t(a["kind"]) if a["kind"] in ("vip88", "coins") else a["id"])
            amount = _minus(a["amount"], locale) if a["kind"] != "gift" else money(a["value"], locale)
            rows.append(_row(f"✓ {label}{_paren(extra, locale)}", amount, 2))
        if not item_done:
            rows += presale_applied
    if d["not_applied"]:
        rows += [_BLANK, _head(t("not_applied"))]
        for s, entry in zip(q.not_applied, d["not_applied"]):
            why = reason_text(entry, locale, s.tiers, names)
            rows.append(_note(f"✗ {names.get(entry['id'], entry['id'])}{colon}{why}", 2))
    rows += [_BLANK, _row(t("subtotal"), money(d["subtotal"], locale)), _row(t("discount"), _minus(d["discount"], locale))]
    if "deposit_paid" in d:
        rows.append(_row(t("deposit_paid"), _minus(d["deposit_paid"], locale)))
    if "paid_by" in d:
        for key in ("coins", "red_packets"):
            if d["paid_by"][key] != "0.00":
                rows.append(_row(t("paid_" + key), _minus(d["paid_by"][key], locale)))
    rows.append(_row(t("postage"), money(d["postage"], locale)))
    rows.append(_row(t("total"), money(d["payable"], locale), strong=True))
    if d.get("optimal") is True:
        rows.append(_note(t("optimal")))
    elif d.get("optimal") is False:
        rows.append(_note(t("not_optimal")))
    return rows


def render_quote(q: Quote, locale: str = "zh_CN") -> str:
    """A quote as a text receipt."""
    return to_text(quote_rows(q, locale))


def quote_table(q: Quote, locale: str = "zh_CN") -> str:
    """A quote as HTML for a notebook: one row per line with each layer's discount, then the receipt's sections."""
    locale = normalize_locale(locale)
    d = q.to_dict()
    camp = q._camp
    ctx = q._p.ctx

    def t(key: str) -> str:
        return html.escape(text(locale, key))

    heads = [t("shop"), t("line"), t("subtotal"), t("layer_item"),
             t("layer_shop"), t("layer_coupon"), t("layer_platform"), t("line_payable")]  # fmt: skip
    body = []
    for i, ln in enumerate(ctx.lines):
        dl = d["lines"][i]
        cells = [camp.shops[ln.shop].name or ln.shop, f"{ln.title or ln.item} ×{ln.qty}", money(dl["subtotal"], locale)]
        cells += [money(dl["discounts"][k], locale) for k in ("item", "shop", "coupon", "platform")]
        cells.append(money(dl["payable"], locale))
        tds = "".join(f'<td style="text-align:{"left" if k < 2 else "right"}">{html.escape(c)}</td>'
                      for k, c in enumerate(cells))  # fmt: skip
        body.append(f"<tr>{tds}</tr>")
    lines = (f'<table class="promocalc-lines"><thead><tr>{"".join(f"<th>{h}</th>" for h in heads)}</tr></thead>'
             f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip
    return f"<div>{lines}{to_html(quote_rows(q, locale, data=d))}</div>"


# -- the refund ----------------------------------------------------------------------------------------


def refund_rows(r: RefundResult, locale: str = "zh_CN") -> list[Row]:
    """The rows of a refund receipt: per refund what goes back, what each line still has paid, instruments back."""
    locale = normalize_locale(locale)

    def t(key: str, **kw: object) -> str:
        return text(locale, key, **kw)

    labels = r.labels
    colon = t("colon")
    title = t("refund") + (f" · {r.campaign_name}" if r.campaign_name else "")
    rows = [_head(title), _note(f"{t('policy')}{colon}{t('policy_' + r.policy)}")]
    rows.append(_BLANK)
    for e in r.entries:
        what = t("units", n=e["qty"]) if "qty" in e else t("compensation")
        stage = t("stage_" + e["stage"]) if e.get("stage") in ("in_sale", "after_sale") else str(e.get("stage", ""))
        rows.append(_row(f"{labels.get(e['line'], e['line'])}{_paren([what, stage], locale)}", money(e["amount"], locale), 2))
        if e.get("deposit"):
            rows.append(_row(t("deposit_paid"), money(e["deposit"], locale), 4))
        if e.get("postage"):
            rows.append(_row(t("postage"), money(e["postage"], locale), 4))
        for g in e.get("gifts", ()):
            name = labels.get(g["id"], g["id"])
            if g["kept"]:
                worth = t("gift_value", value=money(g["value"], locale))
                rows.append(_note(f"{t('gift_kept')}{_paren([name, worth], locale)}", 4))
            else:
                rows.append(_note(f"{t('gift_back')}{_paren([name], locale)}", 4))
        if e.get("gift_deducted"):
            rows.append(_row(t("gift_deducted"), _minus(e["gift_deducted"], locale), 4))
    rows.append(_row(t("refund_total"), money(r.total, locale), strong=True))
    rows += [_BLANK, _head(t("remaining"))]
    for lid, v in r.remaining.items():
        rows.append(_row(labels.get(lid, lid), money(v, locale), 2))
    if r.returned or r.not_returned:
        rows.append(_BLANK)
    for x in r.returned:
        if "amount" in x:
            n = t("returned_amount", amount=money(x["amount"], locale))
        elif "vouchers" in x:
            n = t("vouchers", n=x["vouchers"])
        elif "coins" in x:
            n = t("coins_n", n=x["coins"])
        else:
            n = t("returned_coupon")
        rows.append(_note(f"✓ {labels.get(x['id'], x['id'])}{colon}{t('returned')} {n}", 2))
    for x in r.not_returned:
        rows.append(_note(f"✗ {labels.get(x['id'], x['id'])}{colon}{t('not_returned')} — {t(x['reason'])}", 2))
    return rows


def render_refund(r: RefundResult, locale: str = "zh_CN") -> str:
    """A refund result as a text receipt."""
    return to_text(refund_rows(r, locale))


def refund_table(r: RefundResult, locale: str = "zh_CN") -> str:
    """A refund result as an HTML table."""
    return to_html(refund_rows(r, locale))
