"""The order record under attack: random structures give located problems only; forgeries are detected;
no fen is lost over histories built call after call through ``RefundResult.order``."""

from __future__ import annotations

import copy
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.io.documents import read_file
from promocalc.record import canonical

ROOT = Path(__file__).resolve().parent.parent
D11 = ROOT / "examples" / "double11-2016"
SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
CAMP = promocalc.load(D11 / "config.yaml")
SEALED = promocalc.load(D11 / "config.yaml", signing_key="k" * 32)
CART = read_file(D11 / "cart.yaml").data
ORDER = json.loads(CAMP.quote(CART).to_json())
SEALED_ORDER = json.loads(SEALED.quote(CART).to_json())
CLOSED = "2016-11-11T20:00:00+08:00"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.text(max_size=12),
                    st.sampled_from(["1", "shop-a", "in_sale", "after_sale", "199.00", "-1.00", "1e999999999",
                                     "１９９.００", "2016-11-11T10:00", "0001-01-01T00:00-23:59", "a-c20"]),
                    st.decimals(allow_nan=True, allow_infinity=True), st.just(Decimal("1e999999999")))  # fmt: skip
values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                      max_leaves=12)  # fmt: skip


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into ``doc``."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths(v, prefix + (i,))
    return out


def replaced(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def only_located(fn: Any) -> None:
    """``fn`` succeeds or raises a promocalc error that lists its problems; nothing else escapes."""
    try:
        fn()
    except promocalc.PromocalcError as e:
        assert e.problems, e
        assert all(isinstance(p.path(), str) for p in e.problems)


REFUNDS = {"refunds": [{"id": "r1", "line": "1", "qty": 1, "stage": "in_sale", "closed_at": CLOSED},
                       {"line": "4", "amount": "1.00", "stage": "after_sale", "closed_at": CLOSED}]}  # fmt: skip


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(paths(CART)), values)
def test_fuzzed_carts_give_located_problems_only(path, value) -> None:
    only_located(lambda: CAMP.quote(replaced(CART, path, value)).to_json())


@settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(paths(ORDER)), values)
def test_fuzzed_orders_give_located_problems_only(path, value) -> None:
    only_located(lambda: CAMP.refund(replaced(ORDER, path, value), REFUNDS).to_json())


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(paths(REFUNDS)), values)
def test_fuzzed_refunds_give_located_problems_only(path, value) -> None:
    only_located(lambda: CAMP.refund(ORDER, replaced(REFUNDS, path, value)).to_json())


@settings(max_examples=40 * SCALE, deadline=None)
@given(values, values)
def test_fuzzed_simulate_options_give_located_problems_only(band, at) -> None:
    from promocalc.sim import simulate

    def go() -> None:
        try:
            simulate(CAMP, [CART], band=band, at=at)
        except (ValueError, TypeError) as e:  # options are checked eagerly, each error names its argument
            assert "band" in str(e) or "at" in str(e) or "time" in str(e), e

    only_located(go)


# -- forgery ---------------------------------------------------------------------------------------


def money_paths(order: dict[str, Any]) -> list[tuple]:
    """Every money figure a refund could pay out from, and every voucher count."""
    out = []
    for i, ln in enumerate(order["lines"]):
        out += [("lines", i, "units", j) for j in range(len(ln["units"]))]
        out += [("lines", i, "payable"), ("lines", i, "subtotal")]
        out += [("lines", i, "discounts", k) for k in ln["discounts"]]
    for k, a in enumerate(order["applied"]):
        out += [("applied", k, "lines", lid) for lid in a["lines"]] + [("applied", k, "amount")]
        if "vouchers" in a:
            out.append(("applied", k, "vouchers"))
    for k in range(len(order["shops"])):
        out += [("shops", k, "postage"), ("shops", k, "payable")]
    return out + [("payable",), ("postage",), ("subtotal",), ("discount",)]


def get(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def bumped(v: Any, delta: int) -> Any:
    if isinstance(v, int):
        return max(1, v + delta)
    fen = int(Decimal(v) * 100) + delta
    return f"{max(fen, 0) // 100}.{max(fen, 0) % 100:02d}"


@pytest.fixture(scope="module")
def history_order() -> dict[str, Any]:
    return CAMP.refund(ORDER, {"refunds": [{"line": "4", "qty": 1, "stage": "in_sale", "closed_at": CLOSED}]}).order


@settings(max_examples=120 * SCALE, deadline=None)
@given(st.sampled_from(money_paths(ORDER)), st.sampled_from([-100, -1, 1, 7, 100_000]), st.booleans())
def test_forging_one_money_figure_is_detected_without_a_key(path, delta, with_history) -> None:
    base = CAMP.refund(ORDER, {"refunds": [REFUNDS["refunds"][1]]}).order if with_history else ORDER
    old = get(base, path)
    new = bumped(old, delta)
    if new == old:
        return
    with pytest.raises(promocalc.CartError) as err:
        CAMP.refund(replaced(base, path, new), {"refunds": [{"line": "5", "qty": 1, "stage": "in_sale",
                                                             "closed_at": CLOSED}]})  # fmt: skip
    assert {p.type for p in err.value.problems} == {"order_inconsistent"}


@settings(max_examples=120 * SCALE, deadline=None)
@given(st.sampled_from(paths(SEALED_ORDER)).filter(lambda p: p and p[0] != "seal"), values)
def test_with_a_key_any_change_at_all_is_detected(path, value) -> None:
    # the seal is over the canonical text, where a Decimal counts as its text (a service reads JSON numbers
    # as decimals): Decimal("1") for "1" is the same record, not a change
    if canonical(get(SEALED_ORDER, path)) == canonical(value):
        return
    with pytest.raises(promocalc.CartError):
        SEALED.refund(replaced(SEALED_ORDER, path, value), {"refunds": [REFUNDS["refunds"][0]]})


def test_a_rebalanced_forgery_passes_the_sums_but_not_the_seal() -> None:
    """The honest limit of the unsealed record: move a fen between two units of a line."""
    ln = next(i for i, x in enumerate(ORDER["lines"]) if len(x["units"]) > 1)
    units = ORDER["lines"][ln]["units"]
    forged = replaced(ORDER, ("lines", ln, "units"), [bumped(units[0], 1), bumped(units[1], -1)] + units[2:])
    CAMP.refund(forged, {"refunds": [{"line": ORDER["lines"][ln]["id"], "qty": 1, "stage": "in_sale", "closed_at": CLOSED}]})
    sealed = replaced(SEALED_ORDER, ("lines", ln, "units"), forged["lines"][ln]["units"])
    with pytest.raises(promocalc.CartError) as err:
        SEALED.refund(sealed, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": CLOSED}]})
    assert err.value.problems[0].type == "seal_invalid"


# -- no lost fen over histories built through the updated record --------------------------------------


def fen(s: str) -> int:
    return int(Decimal(s) * 100)


refund_steps = st.lists(
    st.tuples(st.sampled_from([ln["id"] for ln in ORDER["lines"]]), st.booleans(), st.integers(1, 3),
              st.sampled_from(["in_sale", "after_sale"])),
    min_size=1, max_size=8,
)  # fmt: skip


@settings(max_examples=60 * SCALE, deadline=None)
@given(refund_steps, st.sampled_from(["proportional", "clawback"]), st.booleans())
def test_no_fen_is_lost_call_after_call(steps, policy, sealed) -> None:
    camp, rec = (SEALED, SEALED_ORDER) if sealed else (CAMP, ORDER)
    paid = {ln["id"]: sum(fen(u) for u in ln["units"]) for ln in rec["lines"]}
    postage = sum(fen(s["postage"]) for s in rec["shops"])
    refunded = 0
    for n, (lid, by_units, k, stage) in enumerate(steps):
        r: dict[str, Any] = {"id": f"r{n}", "line": lid, "stage": stage, "closed_at": CLOSED}
        if by_units:
            r["qty"] = k
        else:
            r["amount"] = f"{k}.00"
        try:
            res = camp.refund(json.loads(json.dumps(rec)), {"refunds": [r], "policy": policy})
        except promocalc.CartError as e:
            assert {p.type for p in e.problems} <= {"too_many_units", "fully_refunded", "amount_too_large"}, e
            continue
        refunded += res.total
        rec = res.order
        remaining = sum(res.remaining.values())
        back_postage = sum(fen(h.get("postage", "0.00")) for h in rec["refunds"])
        assert refunded - back_postage + remaining == sum(paid.values())
        assert back_postage <= postage
        if policy == "proportional":
            for line_id, left in res.remaining.items():
                assert 0 <= left <= paid[line_id]
    assert len(rec.get("refunds", [])) <= len(steps)
