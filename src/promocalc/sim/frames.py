"""pandas views of a :class:`SimulationResult`; money as exact ``decimal128(18, 2)`` Arrow columns."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .tally import MONEY_CART_COLUMNS, TENDER_FIELDS

if TYPE_CHECKING:
    from .result import Frames, SimulationResult


def _deps() -> tuple[Any, Any, Any]:
    try:
        import numpy as np
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ImportError("frames need pandas and pyarrow: pip install 'promocalc[sim]'") from None
    return pd, pa, np


def money_array(fen: list[int]) -> Any:
    """Integer fen as a pyarrow ``decimal128(18, 2)`` array (the unscaled value is the fen amount)."""
    _, pa, np = _deps()
    typ = pa.decimal128(18, 2)
    if sys.byteorder != "little":  # pragma: no cover - the buffer layout below is little-endian
        return pa.array([Decimal(v).scaleb(-2) for v in fen], type=typ)
    lo = np.asarray(fen, dtype=np.int64)
    words = np.empty(2 * len(lo), dtype=np.int64)
    words[0::2] = lo
    words[1::2] = lo >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(typ, len(lo), [None, pa.py_buffer(words.tobytes())])


def _frame(columns: dict[str, list[Any]], money: set[str] | frozenset[str]) -> Any:
    pd, pa, _ = _deps()
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if name in money:
            data[name] = pd.Series(money_array(values), dtype=pd.ArrowDtype(pa.decimal128(18, 2)))
        else:
            data[name] = values
    return pd.DataFrame(data)


def to_frames(r: SimulationResult) -> Frames:
    """Build the :class:`Frames` of a result."""
    from .result import Frames

    pd, _, np = _deps()
    rows = r.cart_rows
    carts = _frame({k: rows.get(k, []) for k in r.cart_columns}, MONEY_CART_COLUMNS)
    sub = np.asarray(rows.get("subtotal", []), dtype=np.int64)
    disc = np.asarray(rows.get("discount", []), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        carts["discount_rate"] = np.where(sub > 0, disc / np.where(sub > 0, sub, 1), 0.0)  # a rate, for plots

    promos = r.promotions
    inst_cols: dict[str, list[Any]] = {k: [] for k in ("id", "kind", "layer", "funded_by", "received", "balance_held",
                                                      "used", "orders", "gmv", "discount")}  # fmt: skip
    for p in promos:
        d = r.instruments[p["id"]]
        for k in ("id", "kind", "layer", "funded_by"):
            inst_cols[k].append(p[k])
        for k in ("received", "balance_held", "used", "orders", "gmv", "discount"):
            inst_cols[k].append(d[k])
    instruments = _frame(inst_cols, {"balance_held", "gmv", "discount"})

    is_cols: dict[str, list[Any]] = {k: [] for k in ("id", "shop", "orders", "gmv", "discount")}
    for (pid, sid), d in r.instrument_shops.items():
        is_cols["id"].append(pid)
        is_cols["shop"].append(sid)
        for k in ("orders", "gmv", "discount"):
            is_cols[k].append(d[k])
    instrument_shops = _frame(is_cols, {"gmv", "discount"})

    shop_fields = list(next(iter(r.shops.values())).keys()) if r.shops else []
    sh_cols: dict[str, list[Any]] = {"shop": [], "name": [], **{k: [] for k in shop_fields}, "discount": []}
    for sid, d in r.shops.items():
        sh_cols["shop"].append(sid)
        sh_cols["name"].append(r.shop_names.get(sid, sid))
        for k in shop_fields:
            sh_cols[k].append(d[k])
        sh_cols["discount"].append(sum(d[f"discount_{n}"] for n in r.layer_names))
    shops = _frame(sh_cols, {k for k in sh_cols if k not in ("shop", "name", "carts", "lines", "units", "coins_used")})

    # with a payment layer, every layer row also says what it took as tender (only the payment layer does)
    money_cols = ("discount", "merchant_funded", "platform_funded") + (TENDER_FIELDS if "payment" in r.layers else ())
    ly_cols: dict[str, list[Any]] = {"layer": [], **{k: [] for k in money_cols}}
    for name, d in r.layers.items():
        ly_cols["layer"].append(name)
        for k in money_cols:
            ly_cols[k].append(d.get(k, 0))
    layers = _frame(ly_cols, set(money_cols))

    t_cols: dict[str, list[Any]] = {k: [] for k in ("id", "tiers", "tier", "spend", "reached", "landed", "just_below")}
    for row in r.tiers:
        for k, col in t_cols.items():
            col.append(row[k])
    tiers = _frame(t_cols, {"spend"})

    step = 100 // len(r.rate_histogram) if r.rate_histogram else 5
    rates = pd.DataFrame({
        "from_pct": [k * step for k in range(len(r.rate_histogram))],
        "to_pct": [(k + 1) * step for k in range(len(r.rate_histogram))],
        "carts": r.rate_histogram,
    })  # fmt: skip
    return Frames(carts, instruments, instrument_shops, shops, layers, tiers, rates)


def write_parquet(r: SimulationResult, path: str) -> None:
    """The per-cart frame as Parquet, the summary JSON in the schema metadata."""
    _, pa, _ = _deps()
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    table = pa.Table.from_pandas(to_frames(r).carts, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"promocalc.summary"] = r.to_json(indent=None).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
