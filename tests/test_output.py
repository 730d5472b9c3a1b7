"""Quote output against slow references: the standard JSON encoder, and per-unit figures from allocate."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.allocation import allocate, runs_of
from promocalc.io.documents import load_source
from promocalc.io.jsontext import dumps
from promocalc.money import fmt
from promocalc.record import units_json
from promocalc.testing import campaigns_and_carts

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def reference_lowest(q: promocalc.Quote, i: int) -> int:
    """Lowest unit price the slow way: every applied instrument that does not count, added back."""
    ctx = q._p.ctx
    back = ctx.item_off[i] if ctx.item_of[i] is not None and not ctx.item_of[i].counts_lowest else 0
    back += sum(a.shares.get(i, 0) for a in q.applied if a.promo.layer > 1 and not a.promo.counts_lowest)
    total = q.line_payables[i] + ctx.dep[i] + back
    return min(allocate(total, ctx.unit_w[i] or [1] * ctx.lines[i].qty))


def check(q: promocalc.Quote) -> None:
    d = q.to_dict()
    assert q.to_json() == json.dumps(d, ensure_ascii=False, indent=1)
    assert q.to_json(indent=2) == json.dumps(d, ensure_ascii=False, indent=2)
    assert q.to_json(indent=None) == json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    ctx = q._p.ctx
    for i, ln in enumerate(d["lines"]):
        units = allocate(q.line_payables[i] + ctx.dep[i], ctx.unit_w[i] or [1] * ctx.lines[i].qty)
        assert ln["units"] == units_json(runs_of(units), ctx.lines[i].qty)
        assert q.units(i) == units
        assert ln["lowest_unit_price"] == fmt(reference_lowest(q, i))
        assert q.lowest_unit_price(i) == reference_lowest(q, i)


@pytest.mark.parametrize("cart", sorted(EXAMPLES.glob("*/cart*.yaml")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_examples_output_matches_the_references(cart: Path) -> None:
    campaign = promocalc.load(cart.parent / "config.yaml")
    check(campaign.quote(load_source(cart).data))


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(max_lines=8))
def test_generated_output_matches_the_references(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    check(promocalc.load(config).quote(cart))


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300 * SCALE, deadline=None)
@given(json_data, st.sampled_from([None, 0, 1, 2, 4]))
def test_dumps_writes_what_json_dumps_writes(data: Any, indent: int | None) -> None:
    seps = (",", ":") if indent is None else None
    assert dumps(data, indent) == json.dumps(data, ensure_ascii=False, indent=indent, separators=seps)
