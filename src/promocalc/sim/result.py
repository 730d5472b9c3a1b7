"""The outcome of a simulation: campaign figures in exact integer fen, with views on them."""

from __future__ import annotations

import html
import json
from fractions import Fraction
from typing import Any, NamedTuple

from ..money import fmt
from .tally import (
    CART_COLUMNS,
    HIST_BUCKETS,
    INSTRUMENT_FIELDS,
    PAYMENT_CART_COLUMNS,
    PAYMENT_SHOP_FIELDS,
    PAYMENT_TOTALS,
    POSTAGE_CART_COLUMNS,
    POSTAGE_SHOP_FIELDS,
    POSTAGE_TOTALS,
    SHOP_FIELDS,
    TENDER_FIELDS,
    TOTAL_FIELDS,
    Tally,
)

LAYER_NAMES = {1: "item", 2: "shop", 3: "coupon", 4: "platform", 5: "payment", 6: "postage", 7: "gift"}
COUNT_TOTALS = frozenset({"carts", "lines", "units", "carts_discounted", "vouchers_held", "vouchers_used", "coins_used"})
COUNT_SHOP = frozenset({"carts", "lines", "units", "coins_used"})


def ratio(num: int, den: int, places: int = 4) -> str:
    """``num/den`` as a decimal string rounded half up to ``places`` (no float involved); ``"0"`` if ``den`` is 0."""
    if den <= 0:
        return "0"
    scale = 10**places
    q = (2 * num * scale + den) // (2 * den)
    whole, frac = divmod(q, scale)
    return f"{whole}.{frac:0{places}d}"


class Frames(NamedTuple):
    """Tidy pandas frames of a :class:`SimulationResult`; money columns are exact ``decimal128(18, 2)``."""

    carts: Any
    instruments: Any
    instrument_shops: Any
    shops: Any
    layers: Any
    tiers: Any
    rates: Any


class SimulationResult:
    """Campaign figures over the simulated carts: per instrument, shop, layer and tier, all in integer fen.

    ``summary()`` is the JSON-ready dashboard (figures only: the same carts give the same bytes on any
    engine); ``to_pandas()`` gives frames, ``plot_*`` draws them (matplotlib).
    """

    def __init__(self, campaign: Any, tally: Tally, engine: str = "local", elapsed: float = 0.0, workers: int = 1) -> None:
        meta = tally.meta
        cfg = campaign.config
        self.campaign_id: str = meta.campaign_id
        self.campaign_name: str | None = cfg.campaign.name
        self.engine = engine
        self.elapsed = elapsed
        """Wall-clock seconds of the run (not part of the summary)."""
        self.workers = workers
        self.band: Fraction = tally.band
        self.promotions = [
            {"id": p.id, "kind": p.kind, "layer": LAYER_NAMES[p.layer],
             "funded_by": "platform" if p.platform_funded else "merchant", "name": p.name}
            for p in meta.promos
        ]  # fmt: skip
        self.shop_names = {sid: (s.name or sid) for sid, s in cfg.shops.items()}
        self.layer_names: tuple[str, ...] = meta.layers
        """The layers figured: the four goods layers, and ``payment`` when the campaign has a payment layer."""
        hidden = set()
        if not meta.payment:
            hidden |= {*PAYMENT_TOTALS, *PAYMENT_SHOP_FIELDS, *PAYMENT_CART_COLUMNS}
        if not meta.free_postage:
            hidden |= {*POSTAGE_TOTALS, *POSTAGE_SHOP_FIELDS, *POSTAGE_CART_COLUMNS}
        self.total_fields = tuple(k for k in TOTAL_FIELDS if k not in hidden)
        self.shop_fields = tuple(k for k in SHOP_FIELDS if k not in hidden)
        self.cart_columns = tuple(k for k in CART_COLUMNS if k not in hidden)
        self.totals: dict[str, int] = {k: tally.totals[k] for k in self.total_fields}
        """Sums over all carts (fen, or counts for carts, lines, units, vouchers and coins)."""
        self.layers = {name: dict(zip(("discount", "merchant_funded", "platform_funded"), tally.layers[k]))
                       for k, name in enumerate(self.layer_names)}  # fmt: skip
        if meta.payment:
            self.layers["payment"].update(zip(TENDER_FIELDS, tally.tender))
        zero = [0] * len(SHOP_FIELDS)
        self.shops = {sid: {k: v for k, v in zip(SHOP_FIELDS, tally.shops.get(sid, zero)) if k not in hidden}
                      for sid in meta.shop_ids}  # fmt: skip
        self.instruments = {pid: dict(zip(INSTRUMENT_FIELDS, tally.instruments[pid])) for pid in meta.promo_ids}
        self.instrument_shops = {
            (pid, sid): dict(zip(("orders", "gmv", "discount"), tally.instrument_shops[(pid, sid)]))
            for pid in meta.promo_ids for sid in meta.shop_ids if (pid, sid) in tally.instrument_shops
        }  # fmt: skip
        pos = {pid: k for k, pid in enumerate(meta.promo_ids)}
        self.tiers: list[dict[str, Any]] = [
            {"id": key[0], "tiers": key[1], "tier": tally.tier_labels[key], "spend": key[2],
             **dict(zip(("reached", "landed", "just_below"), vals))}
            for key, vals in sorted(tally.tiers.items(), key=lambda kv: (pos[kv[0][0]], kv[0][1], kv[0][2]))
        ]  # fmt: skip
        self.rate_histogram: list[int] = list(tally.hist)
        """Carts per discount-rate bucket: [0 %, 5 %), [5 %, 10 %), …, [95 %, 100 %]."""
        self.cart_rows = {k: v for k, v in tally.sorted_rows().items() if k not in hidden}

    # -- headline figures --------------------------------------------------------------------------------

    @property
    def carts(self) -> int:
        """Number of carts priced."""
        return self.totals["carts"]

    @property
    def effective_discount_rate(self) -> Fraction:
        """Total discount over total list amount, exact."""
        sub = self.totals["subtotal"]
        return Fraction(self.totals["discount"], sub) if sub else Fraction(0)

    # -- the summary -------------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The figures as JSON-ready data: money as strings with two decimals, rates with four."""
        t = self.totals
        totals: dict[str, Any] = {k: (t[k] if k in COUNT_TOTALS else fmt(t[k])) for k in self.total_fields}
        totals["effective_discount_rate"] = ratio(t["discount"], t["subtotal"])
        layers = [{"layer": name, **{k: fmt(v) for k, v in d.items()}} for name, d in self.layers.items()]
        shops = []
        for sid, d in self.shops.items():
            disc = {name: fmt(d[f"discount_{name}"]) for name in self.layer_names}
            total_disc = sum(d[f"discount_{name}"] for name in self.layer_names)
            entry: dict[str, Any] = {"id": sid}
            for k in self.shop_fields:
                if k.startswith("discount_"):
                    continue
                entry[k] = d[k] if k in COUNT_SHOP else fmt(d[k])
            entry["discounts"] = disc
            entry["discount"] = fmt(total_disc)
            entry["discount_rate"] = ratio(total_disc, d["subtotal"])
            shops.append(entry)
        instruments = []
        for p in self.promotions:
            d = self.instruments[p["id"]]
            e: dict[str, Any] = {"id": p["id"], "kind": p["kind"], "layer": p["layer"], "funded_by": p["funded_by"],
                                 "received": d["received"]}  # fmt: skip
            if d["balance_held"]:
                e["balance_held"] = fmt(d["balance_held"])
            e.update(used=d["used"], orders=d["orders"], gmv=fmt(d["gmv"]), discount=fmt(d["discount"]))
            e["shops"] = [{"id": sid, "orders": v["orders"], "gmv": fmt(v["gmv"]), "discount": fmt(v["discount"])}
                          for (pid, sid), v in self.instrument_shops.items() if pid == p["id"]]  # fmt: skip
            instruments.append(e)
        tiers = [{**r, "spend": fmt(r["spend"])} for r in self.tiers]
        step = 100 // HIST_BUCKETS
        rates = [{"from": ratio(k * step, 100, 2), "to": ratio((k + 1) * step, 100, 2), "carts": c}
                 for k, c in enumerate(self.rate_histogram)]  # fmt: skip
        return {
            "campaign": self.campaign_id, "carts": t["carts"], "landing_band": ratio(self.band.numerator,
                                                                                    self.band.denominator, 2),
            "totals": totals, "layers": layers, "shops": shops, "instruments": instruments, "tiers": tiers,
            "discount_rates": rates,
        }  # fmt: skip

    def to_json(self, indent: int | None = 1) -> str:
        """The summary as JSON text."""
        return json.dumps(self.summary(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A short plain-text report: money as ``¥1,234.50``, counts with their plural."""
        from ..locale import money as yuan

        def m(x: str) -> str:
            return yuan(x, "en_US")

        def n(count: int, word: str) -> str:
            return f"{count:,} {word}{'' if count == 1 else 's'}"

        s = self.summary()
        t = s["totals"]
        out = [
            f"campaign {s['campaign']}: {n(s['carts'], 'cart')}, {n(t['lines'], 'line')}, {n(t['units'], 'unit')}",
            f"  list amount {m(t['subtotal'])}  discount {m(t['discount'])}  (effective rate {t['effective_discount_rate']})",
            f"  merchant-funded {m(t['merchant_funded'])}  platform-funded {m(t['platform_funded'])}",
            f"  payable {m(t['payable'])} (postage {m(t['postage'])}, deposits paid before {m(t['deposit_paid'])})"
            f"  GMV {m(t['gmv'])}",
            f"  vouchers held {t['vouchers_held']:,}, used {t['vouchers_used']:,}",
        ]
        if "coins_used" in t:
            out.append(f"  coins used {n(t['coins_used'], 'coin')}, red packets paid {m(t['red_packets'])}"
                       " (tender, not discount)")  # fmt: skip
        if "postage_waived" in t:
            out.append(f"  postage waived {m(t['postage_waived'])}")
        out.append("layers:")
        for d in s["layers"]:
            out.append(f"  {d['layer']:<9}{m(d['discount']):>16}  merchant {m(d['merchant_funded']):>14}"
                       f"  platform {m(d['platform_funded']):>14}")  # fmt: skip
            if "tender" in d:
                out.append(f"  {'tender':<9}{m(d['tender']):>16}  merchant {m(d['tender_merchant_funded']):>14}"
                           f"  platform {m(d['tender_platform_funded']):>14}")  # fmt: skip
        out.append("shops:")
        for d in s["shops"]:
            out.append(f"  {d['id']:<18}{n(d['carts'], 'cart'):>14}  discount {m(d['discount']):>14}"
                       f"  merchant {m(d['merchant_funded']):>14}  platform {m(d['platform_funded']):>14}"
                       f"  payable {m(d['payable']):>16}")  # fmt: skip
        out.append("instruments:  received / used / orders guided / GMV / discount")
        for d in s["instruments"]:
            out.append(f"  {d['id']:<18}{d['received']:>8,}{d['used']:>8,}{d['orders']:>8,}{m(d['gmv']):>18}"
                       f"{m(d['discount']):>16}")  # fmt: skip
        if s["tiers"]:
            out.append(f"tier landing (within {s['landing_band']} of a tier's spend):  reached / landed just above / just below")
            for d in s["tiers"]:
                out.append(f"  {d['id']:<18}{d['tier']:<16}{d['reached']:>8,}{d['landed']:>8,}{d['just_below']:>8,}")
        return "\n".join(out) + "\n"

    # -- pandas ------------------------------------------------------------------------------------------

    def to_pandas(self) -> Frames:
        """Tidy frames: per cart, instrument, instrument × shop, shop, layer, tier and rate bucket."""
        from .frames import to_frames

        return to_frames(self)

    def to_parquet(self, path: str) -> None:
        """Write the per-cart frame to Parquet, the JSON summary in the file's metadata (``promocalc.summary``)."""
        from .frames import write_parquet

        write_parquet(self, path)

    # -- plots -------------------------------------------------------------------------------------------

    def plot_discount_rates(self, ax: Any = None) -> Any:
        """Histogram of the per-cart discount rate."""
        from .plot import discount_rates

        return discount_rates(self, ax)

    def plot_costs(self, ax: Any = None) -> Any:
        """Discount by shop, stacked by layer."""
        from .plot import cost_by_shop

        return cost_by_shop(self, ax)

    def plot_layers(self, ax: Any = None) -> Any:
        """Discount by layer, split between merchant and platform funding."""
        from .plot import cost_by_layer

        return cost_by_layer(self, ax)

    def plot_tiers(self, ax: Any = None, instrument: str | None = None) -> Any:
        """Tier landing: bases landed just above each tier, and just below it."""
        from .plot import tier_landing

        return tier_landing(self, ax, instrument)

    # -- display -----------------------------------------------------------------------------------------

    def to_html(self, locale: str = "zh_CN") -> str:
        """The campaign dashboard: one self-contained HTML page (tables and inline SVG), ``zh_CN`` or ``en_US``."""
        from .report import render

        return render(self, locale)

    def _repr_html_(self) -> str:
        s = self.summary()
        t = s["totals"]
        e = html.escape

        def table(head: list[str], rows: list[list[Any]]) -> str:
            th = "".join(f"<th>{e(h)}</th>" for h in head)
            body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
            return f"<table><tr>{th}</tr>{body}</table>"

        head = (f"<b>Simulation</b> {e(s['campaign'])}: {s['carts']} carts; list ¥{t['subtotal']}, discount "
                f"¥{t['discount']} (rate {t['effective_discount_rate']}), merchant ¥{t['merchant_funded']}, "
                f"platform ¥{t['platform_funded']}, <b>payable ¥{t['payable']}</b>")  # fmt: skip
        layers = table(
            ["layer", "discount", "merchant", "platform"],
            [[d["layer"], d["discount"], d["merchant_funded"], d["platform_funded"]] for d in s["layers"]],
        )
        shops = table(["shop", "carts", "discount", "merchant", "platform", "payable"],
                      [[d["id"], d["carts"], d["discount"], d["merchant_funded"], d["platform_funded"], d["payable"]]
                       for d in s["shops"] if d["carts"]])  # fmt: skip
        inst = table(["instrument", "received", "used", "orders", "GMV", "discount"],
                     [[d["id"], d["received"], d["used"], d["orders"], d["gmv"], d["discount"]]
                      for d in s["instruments"] if d["orders"] or d["received"]])  # fmt: skip
        return (f"<div>{head}<div style='display:flex;gap:2em;align-items:flex-start'>{layers}{shops}</div>"
                f"<details><summary>instruments</summary>{inst}</details></div>")  # fmt: skip

    def __repr__(self) -> str:
        t = self.totals
        return (f"<SimulationResult {self.campaign_id} carts={t['carts']} discount={fmt(t['discount'])} "
                f"payable={fmt(t['payable'])}>")  # fmt: skip
