"""The campaign dashboard as one self-contained HTML page: tables and inline SVG plots, zh_CN or en_US.

No script, style sheet, font or image is fetched: the page opens offline. Every figure cell carries a
``data-fig`` key (``instrument.a-c20.used``) so that the figures shown can be checked against the
:class:`~promocalc.sim.SimulationResult` they come from.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..money import fmt
if TYPE_CHECKING:
    from .result import SimulationResult

LABELS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "title": "活动看板", "carts": "订单数", "subtotal": "原价总额", "discount": "优惠总额",
        "rate": "综合折扣率", "payable": "实付", "gmv": "GMV", "merchant": "商家出资", "platform": "平台出资",
        "vouchers_held": "收券张数", "vouchers_used": "用券张数", "layers": "各层优惠", "layer": "层级",
        "item": "单品级", "shop": "店铺级", "coupon": "卡券", "platform_layer": "跨店级", "shops": "各店铺",
        "shop_id": "店铺", "instruments": "各优惠工具", "instrument": "工具", "kind": "类型",
        "funded_by": "出资方", "received": "收券张数", "used": "用券张数", "orders": "引导订单数",
        "guided_gmv": "引导成交金额", "by_shop": "工具 × 店铺", "tiers": "门槛落点（凑单）", "tier": "门槛",
        "reached": "达到", "landed": "刚好达到", "just_below": "差一点", "rates": "订单折扣率分布",
        "cart_count": "订单", "band": "落点区间：门槛金额的 {band} 以内", "yuan": "元",
        "payment": "支付层（88VIP）", "postage": "包邮", "gift": "满赠", "coins_used": "淘金币抵扣（个）",
        "red_packets": "红包抵扣", "postage_waived": "免邮费", "tender": "支付层抵扣（淘金币、红包）",
    },
    "en_US": {
        "title": "Campaign dashboard", "carts": "Carts", "subtotal": "List amount", "discount": "Discount",
        "rate": "Effective discount rate", "payable": "Payable", "gmv": "GMV", "merchant": "Merchant-funded",
        "platform": "Platform-funded", "vouchers_held": "Vouchers received", "vouchers_used": "Vouchers used",
        "layers": "Cost by layer", "layer": "Layer", "item": "Item", "shop": "Shop", "coupon": "Coupon",
        "platform_layer": "Platform", "shops": "Shops", "shop_id": "Shop", "instruments": "Instruments",
        "instrument": "Instrument", "kind": "Kind", "funded_by": "Funded by", "received": "Received",
        "used": "Used", "orders": "Orders guided", "guided_gmv": "GMV of guided orders",
        "by_shop": "Instrument × shop", "tiers": "Tier landing", "tier": "Tier", "reached": "Reached",
        "landed": "Landed just above", "just_below": "Just below", "rates": "Discount rate per cart",
        "cart_count": "carts", "band": "Landing band: within {band} of a tier's spend", "yuan": "yuan",
        "payment": "Payment (88VIP)", "postage": "Free postage", "gift": "Gifts", "coins_used": "Coins used",
        "red_packets": "Paid by red packets", "postage_waived": "Postage waived",
        "tender": "Payment tender (coins, red packets)",
    },
}
COLORS = {"item": "#9ecae1", "shop": "#4292c6", "coupon": "#fd8d3c", "platform": "#d94801", "payment": "#74c476",
          "postage": "#bcbddc", "gift": "#fdd0a2", "merchant": "#4292c6", "platform_funded": "#d94801"}  # fmt: skip

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}.kpi{display:flex;flex-wrap:wrap;gap:12px}
.kpi div{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:140px}
.kpi b{display:block;font-size:18px}svg{display:block;margin:6px 0}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _td(key: str, value: Any) -> str:
    return f'<td class="n" data-fig="{_e(key)}">{_e(value)}</td>'


def _table(head: list[str], rows: list[str]) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _bars(rows: list[tuple[str, list[tuple[str, int]]]], legend: list[tuple[str, str]], unit: str) -> str:
    """Horizontal stacked bars as SVG: ``rows`` of (label, [(color, value), ...])."""
    if not rows:
        return ""
    top = max((sum(v for _, v in parts) for _, parts in rows), default=0) or 1
    label_w, bar_w, h = 180, 420, 20
    height = len(rows) * (h + 6) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 140}" height="{height}" role="img">']
    for k, (label, parts) in enumerate(rows):
        y = k * (h + 6)
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{_e(label)}</text>')
        x = 0
        for color, v in parts:
            w = bar_w * v // top
            if w > 0:
                out.append(f'<rect x="{label_w + x}" y="{y}" width="{w}" height="{h}" fill="{color}"/>')
            x += w
        total = sum(v for _, v in parts)
        out.append(f'<text x="{label_w + x + 4}" y="{y + 14}" font-size="11">{_e(unit.format(total))}</text>')
    y = len(rows) * (h + 6) + 12
    x = label_w
    for color, name in legend:
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + 14}" y="{y + 9}" font-size="11">{_e(name)}</text>')  # fmt: skip
        x += 24 + 8 * len(name)
    out.append("</svg>")
    return "".join(out)


def _histogram(counts: list[int], label: str) -> str:
    top = max(counts, default=0) or 1
    bw, hh = 24, 140
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(counts) * bw + 40}" height="{hh + 40}" role="img">']
    step = 100 // len(counts) if counts else 5
    for k, c in enumerate(counts):
        bh = hh * c // top
        out.append(f'<rect x="{k * bw}" y="{hh - bh}" width="{bw - 2}" height="{bh}" fill="#4292c6">'
                   f"<title>{k * step}–{(k + 1) * step}%: {c}</title></rect>")  # fmt: skip
        if k % 4 == 0:
            out.append(f'<text x="{k * bw}" y="{hh + 14}" font-size="10">{k * step}%</text>')
    out.append(f'<text x="0" y="{hh + 32}" font-size="11">{_e(label)}</text></svg>')
    return "".join(out)


def render(result: SimulationResult, locale: str = "zh_CN") -> str:
    """The dashboard page of ``result`` in ``locale`` (``zh_CN`` or ``en_US``)."""
    if locale not in LABELS:
        raise ValueError(f"locale must be one of {', '.join(LABELS)}, got {locale!r}")
    L = LABELS[locale]
    s = result.summary()
    t = s["totals"]
    layer_name = {"item": L["item"], "shop": L["shop"], "coupon": L["coupon"], "platform": L["platform_layer"],
                  "payment": L["payment"], "postage": L["postage"], "gift": L["gift"]}  # fmt: skip
    names = result.layer_names
    yuan = "¥{}"

    def money_unit(fen: int) -> str:
        return yuan.format(fmt(fen))

    kpis = [("carts", t["carts"]), ("subtotal", t["subtotal"]), ("discount", t["discount"]),
            ("rate", t["effective_discount_rate"]), ("merchant", t["merchant_funded"]),
            ("platform", t["platform_funded"]), ("payable", t["payable"]), ("gmv", t["gmv"]),
            ("vouchers_held", t["vouchers_held"]), ("vouchers_used", t["vouchers_used"])]  # fmt: skip
    kpis += [(k, t[k]) for k in ("coins_used", "red_packets", "postage_waived") if k in t]
    total_keys = {"merchant": "merchant_funded", "platform": "platform_funded", "rate": "effective_discount_rate"}
    kpi_html = "".join(
        f'<div>{_e(L[k])}<b data-fig="totals.{total_keys.get(k, k)}">{_e(v)}</b></div>' for k, v in kpis
    )

    class _Unit:
        def format(self, fen: int) -> str:
            return money_unit(fen)

    layers_rows = []
    for d in s["layers"]:
        n = d["layer"]
        cells = "".join(_td(f"layer.{n}.{k}", d[k]) for k in ("discount", "merchant_funded", "platform_funded"))
        layers_rows.append(f"<tr><td>{_e(layer_name[n])}</td>{cells}</tr>")
        if "tender" in d:
            cells = "".join(_td(f"layer.{n}.{k}", d[k]) for k in ("tender", "tender_merchant_funded", "tender_platform_funded"))
            layers_rows.append(f"<tr><td>{_e(L['tender'])}</td>{cells}</tr>")
    layers_svg = _bars(
        [(layer_name[n], [(COLORS["merchant"], result.layers[n]["merchant_funded"]),
                          (COLORS["platform_funded"], result.layers[n]["platform_funded"])]) for n in names],
        [(COLORS["merchant"], L["merchant"]), (COLORS["platform_funded"], L["platform"])], _Unit(),  # type: ignore[arg-type]
    )  # fmt: skip

    shops = [d for d in s["shops"] if d["carts"]]
    shop_rows = []
    for d in shops:
        sid = d["id"]
        cells = "".join(_td(f"shop.{sid}.{k}", d[k]) for k in ("carts", "subtotal", "discount", "merchant_funded",
                                                                 "platform_funded", "payable", "gmv"))  # fmt: skip
        name = result.shop_names.get(sid, sid)
        shop_rows.append(f"<tr><td>{_e(name)} <small>{_e(sid)}</small></td>{cells}</tr>")
    shops_svg = _bars(
        [(result.shop_names.get(d["id"], d["id"]), [(COLORS[n], result.shops[d["id"]][f"discount_{n}"]) for n in names])
         for d in shops],
        [(COLORS[n], layer_name[n]) for n in names], _Unit(),  # type: ignore[arg-type]
    )  # fmt: skip

    inst_rows, by_shop_rows = [], []
    for d in s["instruments"]:
        pid = d["id"]
        cells = "".join(_td(f"instrument.{pid}.{k}", d[k]) for k in ("received", "used", "orders", "gmv", "discount"))
        funder = L["merchant"] if d["funded_by"] == "merchant" else L["platform"]
        inst_rows.append(f"<tr><td>{_e(pid)}</td><td>{_e(d['kind'])}</td><td>{_e(layer_name[d['layer']])}</td>"
                         f"<td>{_e(funder)}</td>{cells}</tr>")  # fmt: skip
        for sh in d["shops"]:
            key = f"instrument_shop.{pid}.{sh['id']}"
            by_shop_rows.append(f"<tr><td>{_e(pid)}</td><td>{_e(sh['id'])}</td>{_td(key + '.orders', sh['orders'])}"
                                f"{_td(key + '.gmv', sh['gmv'])}{_td(key + '.discount', sh['discount'])}</tr>")  # fmt: skip
    inst_svg = _bars(
        [(d["id"], [(COLORS[d["layer"]], result.instruments[d["id"]]["discount"])]) for d in s["instruments"]
         if d["orders"]],
        [(COLORS[n], layer_name[n]) for n in dict.fromkeys([*names, *(d["layer"] for d in s["instruments"] if d["orders"])])],
        _Unit(),  # type: ignore[arg-type]
    )  # fmt: skip

    tier_rows = []
    for k, d in enumerate(s["tiers"]):
        cells = "".join(_td(f"tier.{k}.{f}", d[f]) for f in ("reached", "landed", "just_below"))
        tier_rows.append(f"<tr><td>{_e(d['id'])}</td><td>{_e(d['tier'])}</td>{cells}</tr>")
    tiers_shown = [d for d in s["tiers"] if d["reached"] or d["just_below"]][:30]

    class _Count:
        def format(self, n: int) -> str:
            return str(n)

    tiers_svg = _bars(
        [(f"{d['id']} {d['tier']}", [(COLORS["platform"], d["landed"]), (COLORS["item"], d["just_below"])])
         for d in tiers_shown],
        [(COLORS["platform"], L["landed"]), (COLORS["item"], L["just_below"])], _Count(),  # type: ignore[arg-type]
    )  # fmt: skip

    title = f"{L['title']} · {s['campaign']}"
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if locale == "zh_CN" else "en-US"}"><head><meta charset="utf-8">',
        f'<meta name="viewport" content="width=device-width"><title>{_e(title)}</title><style>{_CSS}</style></head>',
        f'<body data-campaign="{_e(s["campaign"])}"><h1>{_e(title)}</h1><div class="kpi">{kpi_html}</div>',
        f"<h2>{_e(L['layers'])}</h2>",
        _table([L["layer"], L["discount"], L["merchant"], L["platform"]], layers_rows), layers_svg,
        f"<h2>{_e(L['shops'])}</h2>",
        _table([L["shop_id"], L["carts"], L["subtotal"], L["discount"], L["merchant"], L["platform"], L["payable"],
                L["gmv"]], shop_rows), shops_svg,
        f"<h2>{_e(L['instruments'])}</h2>",
        _table([L["instrument"], L["kind"], L["layer"], L["funded_by"], L["received"], L["used"], L["orders"],
                L["guided_gmv"], L["discount"]], inst_rows), inst_svg,
        f"<h3>{_e(L['by_shop'])}</h3>",
        _table([L["instrument"], L["shop_id"], L["orders"], L["guided_gmv"], L["discount"]], by_shop_rows),
        f"<h2>{_e(L['tiers'])}</h2><p>{_e(L['band'].format(band=s['landing_band']))}</p>",
        _table([L["instrument"], L["tier"], L["reached"], L["landed"], L["just_below"]], tier_rows), tiers_svg,
        f"<h2>{_e(L['rates'])}</h2>", _histogram(result.rate_histogram, L["cart_count"]),
        "<script>document.body.dataset.rendered = String(document.querySelectorAll('[data-fig]').length);</script>",
        "</body></html>\n",
    ]  # fmt: skip
    return "".join(parts)
