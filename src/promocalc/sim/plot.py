"""Plots of a :class:`SimulationResult` (matplotlib, the ``plot`` extra). Each returns its ``Axes``.

Amounts are drawn in yuan; the plotted floats are for display only, the figures stay integer fen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .result import SimulationResult

LAYER_COLORS = {"item": "#9ecae1", "shop": "#4292c6", "coupon": "#fd8d3c", "platform": "#d94801", "payment": "#74c476"}


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'promocalc[plot]'") from None
    _, ax = plt.subplots(figsize=(6, 3.5))
    return ax


def _yuan(fen: int) -> float:
    return fen / 100


def _thousands(ax_axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax_axis.set_major_locator(MaxNLocator(5))
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _plain(label: str) -> str:
    """Labels without CJK glyphs, which the default fonts lack: 每300-50 reads "every 300-50"."""
    return label.replace("每", "every ")


def discount_rates(r: SimulationResult, ax: Any = None) -> Any:
    """Bar chart of carts per 5 % discount-rate bucket."""
    ax = _axes(ax)
    n = len(r.rate_histogram)
    step = 100 / n
    ax.bar([k * step for k in range(n)], r.rate_histogram, width=step, align="edge", color="#4292c6", edgecolor="white")
    ax.axvline(100 * float(r.effective_discount_rate), color="#d94801", linestyle="--", label="overall")
    ax.set_xlabel("discount rate per cart (%)")
    ax.set_ylabel("carts")
    ax.set_title(f"{r.campaign_id}: discount rate")
    ax.legend()
    return ax


def cost_by_shop(r: SimulationResult, ax: Any = None) -> Any:
    """Horizontal bars: each shop's discount stacked by layer (yuan)."""
    ax = _axes(ax)
    shops = [s for s, d in r.shops.items() if d["carts"]]
    left = [0.0] * len(shops)
    for name in r.layer_names:
        vals = [_yuan(r.shops[s][f"discount_{name}"]) for s in shops]
        ax.barh(shops, vals, left=left, color=LAYER_COLORS[name], label=name)
        left = [a + b for a, b in zip(left, vals)]
    for k, s in enumerate(shops):
        plat = r.shops[s]["platform_funded"]
        if plat:
            ax.text(left[k], k, f" platform ¥{_yuan(plat):,.0f}", va="center", fontsize=8)
    ax.set_xlabel("discount (yuan)")
    _thousands(ax.xaxis)
    ax.set_title(f"{r.campaign_id}: cost by shop and layer")
    ax.invert_yaxis()
    ax.legend(fontsize=8)
    return ax


def cost_by_layer(r: SimulationResult, ax: Any = None) -> Any:
    """Bars per layer, merchant-funded and platform-funded stacked (yuan)."""
    ax = _axes(ax)
    names = list(r.layer_names)
    m = [_yuan(r.layers[n]["merchant_funded"] + r.layers[n].get("tender_merchant_funded", 0)) for n in names]
    p = [_yuan(r.layers[n]["platform_funded"] + r.layers[n].get("tender_platform_funded", 0)) for n in names]
    ax.bar(names, m, color="#4292c6", label="merchant")
    ax.bar(names, p, bottom=m, color="#d94801", label="platform")
    ax.set_ylabel("discount (yuan)")
    _thousands(ax.yaxis)
    ax.set_title(f"{r.campaign_id}: cost by layer")
    ax.legend(fontsize=8)
    return ax


def tier_landing(r: SimulationResult, ax: Any = None, instrument: str | None = None) -> Any:
    """Per tier: bases that landed just above it, and bases just below it (the 凑单 effect)."""
    ax = _axes(ax)
    rows = [t for t in r.tiers if instrument is None or t["id"] == instrument]
    rows = [t for t in rows if t["reached"] or t["just_below"]][:20]
    labels = [_plain(f"{t['id']} {t['tier']}") for t in rows]
    y = list(range(len(rows)))
    ax.barh([v - 0.2 for v in y], [t["landed"] for t in rows], height=0.4, color="#d94801", label="just above")
    ax.barh([v + 0.2 for v in y], [t["just_below"] for t in rows], height=0.4, color="#9ecae1", label="just below")
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    pct = int(r.band * 100)
    ax.set_xlabel(f"bases within {pct}% of the tier's spend")
    ax.set_title(f"{r.campaign_id}: tier landing")
    ax.legend(fontsize=8)
    return ax
