"""Hostile input, tried as an attacker would: strict fields, forged and replayed order records, bounds."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import promocalc
from promocalc.cli import main


ROOT = Path(__file__).resolve().parent.parent
D11 = ROOT / "examples" / "double11-2016"
KEY = "a-signing-key-of-some-length"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in res.output and "Traceback" not in res.stderr
    assert res.exit_code != 3, res.stderr
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def d11() -> promocalc.Campaign:
    return promocalc.load(D11 / "config.yaml")


def d11_cart() -> dict:
    from promocalc.io.documents import read_file

    return read_file(D11 / "cart.yaml").data


def problems(err: pytest.ExceptionInfo) -> dict[str, str]:
    return {p.path(): p.type for p in err.value.problems}


def ref(line_id: str, qty: int | None = 1, **kw: object) -> dict:
    out = {"line": line_id, "stage": "in_sale", "closed_at": "2016-11-11T20:00:00+08:00", **kw}
    if qty is not None:
        out["qty"] = qty
    return out


# -- strict input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "key", "path", "hint"), [
    ((), "walet", "walet", "wallet"), ((), "wallets", "wallets", "wallet"), ((), "usee", "usee", "use"),
    (("buyer",), "credt", "buyer.credt", "credit"), (("wallet",), "voucher", "wallet.voucher", "vouchers"),
    (("lines", 0), "qyt", "lines[0].qyt", "qty"),
])  # fmt: skip
def test_unknown_fields_are_located_with_the_closest_name(d11, where, key, path, hint) -> None:
    c = d11_cart()
    target = c
    for part in where:
        target = target[part]
    target[key] = target.pop(hint, 1) if hint in target else 1
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    p = next(p for p in err.value.problems if p.path() == path)
    assert p.type == "unknown_field" and f"did you mean {hint!r}" in p.message


def test_walet_typo_on_the_command_line_is_an_error_not_a_dearer_price(tmp_path: Path) -> None:
    text = (D11 / "cart.yaml").read_text().replace("wallet:", "walet:")
    (tmp_path / "cart.yaml").write_text(text)
    code, _, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(tmp_path / "cart.yaml"))
    assert code == 1
    assert "cart.yaml:11:3: unknown field 'walet'; did you mean 'wallet'?" in err


def test_attrs_are_free_form_on_cart_and_lines(d11) -> None:
    c = d11_cart()
    plain = d11.quote(c).to_json()
    c["attrs"] = {"order_ref": "X-1", "nested": {"any": [1, 2]}}
    c["lines"][0]["attrs"] = {"sku_note": "gift wrap"}
    assert d11.quote(c).to_json() == plain
    c["attrs"] = "not a mapping"
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err) == {"attrs": "type"}


@pytest.mark.parametrize("price", ["１９９.００", "١٩٩.٠٠", "199.00\n", "१९९"])
def test_money_is_ascii_digits_only(d11, price) -> None:
    c = d11_cart()
    c["lines"][0]["price"] = price
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err) == {"lines[0].price": "money"}


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00-23:59", "9999-12-31T23:59:59+23:59", "1899-12-31T23:00"])
def test_times_outside_1900_2200_are_refused_with_their_location(d11, at) -> None:
    c = d11_cart()
    c["at"] = at
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err) == {"at": "time"}


def test_quote_at_garbage_is_located_api_and_cli() -> None:
    camp = promocalc.load(D11 / "config.yaml")
    c = d11_cart()
    del c["at"]
    with pytest.raises(promocalc.CartError) as err:
        camp.quote(c, at="garbage")
    assert problems(err) == {"at": "time"}
    with pytest.raises(promocalc.CartError):
        camp.quote(c, at=1e300)
    code, _, err_text = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(D11 / "cart.yaml"), "--at", "garbage")
    assert code == 2 and "--at: time 'garbage'" in err_text


@pytest.mark.parametrize("amount", [Decimal("1e999999999"), Decimal("-1e999999999"), Decimal("1e-999999999"),
                                    Decimal("NaN"), 10**40, 1.5, True, [], {}])  # fmt: skip
def test_hostile_money_through_the_api_is_a_located_problem(d11, amount) -> None:
    c = d11_cart()
    c["lines"][0]["price"] = amount
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert "lines[0].price" in problems(err)


@pytest.mark.parametrize("lid", ["1\n合计 ¥0.01", "\x1b[2J1", "x\u202eevil", "a\rb"])
def test_ids_may_not_hold_control_characters(d11, lid) -> None:
    c = d11_cart()
    c["lines"][0]["id"] = lid
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err).get("lines[0].id") == "control_character"
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)


@pytest.mark.parametrize("field", ["id", "item", "category"])
@pytest.mark.parametrize("title", [False, True])
def test_an_id_longer_than_200_characters_is_refused_on_every_path(d11, field, title) -> None:
    # a line of the six plain fields is checked by a shorter path than one with a title: both refuse it
    c = d11_cart()
    for ln in c["lines"]:
        if not title:
            del ln["title"]
    c["lines"][0][field] = "x" * 201
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err).get(f"lines[0].{field}") == "too_long"
    c["lines"][0][field] = "x" * 200
    assert d11.quote(c).payable > 0


def test_the_receipt_escapes_what_it_prints_from_input() -> None:
    from promocalc.receipt import _note, _row, to_text

    receipt = to_text([_note("A\n合计 ¥0.01"), _row("i\x1b[31m", "¥1.00")])
    assert "\x1b" not in receipt and "\n合计 ¥0.01" not in receipt and "A\\n合计" in receipt


@pytest.mark.parametrize("bad", [{"lines": 5}, {"lines": [5]}, {"buyer": []}, {"wallet": {"coupons": "a-c20"}},
                                 {"wallet": {"vouchers": {"d11-voucher": "8"}}}, {"use": [[1]]}, {"postage": []},
                                 {"at": 5}, {"at": ["x"]}])  # fmt: skip
def test_wrong_types_are_located_problems(d11, bad) -> None:
    c = d11_cart()
    c.update(bad)
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert err.value.problems


def test_limits_on_lines_units_and_wallet(d11) -> None:
    c = d11_cart()
    c["lines"] = [dict(c["lines"][0], id=str(k), qty=1_000_000) for k in range(3)]
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err) == {"lines": "too_many"}
    c = d11_cart()
    c["wallet"]["coupons"] = [f"c{k}" for k in range(1001)]
    with pytest.raises(promocalc.CartError) as err:
        d11.quote(c)
    assert problems(err) == {"wallet.coupons": "too_many"}


def test_a_large_quantity_is_written_as_runs_not_one_entry_per_unit(d11) -> None:
    c = d11_cart()
    c["lines"][3]["qty"] = 1_000_000
    q = d11.quote(c)
    d = q.to_dict()
    units = d["lines"][3]["units"]
    assert len(units) <= 4 and sum(u["count"] for u in units) == 1_000_000
    paid = sum(Decimal(u["amount"]) * u["count"] for u in units)
    assert paid == Decimal(d["lines"][3]["payable"])
    res = d11.refund(d, {"refunds": [ref("4", qty=999_999)]})
    assert Decimal(res.to_dict()["remaining"]["4"]) == Decimal(units[-1]["amount"])


def test_simulate_band_cannot_hang() -> None:
    code, _, err = run("simulate", "--config", str(D11 / "config.yaml"), "--carts", "1", "--band", "1e999999999")
    assert code == 2 and "band" in err


def test_check_against_refuses_an_old_that_breaks_rules(tmp_path: Path) -> None:
    text = (D11 / "config.yaml").read_text()
    bad = text.replace('tiers: ["300-20", "500-50"]', 'tiers: ["500-50", "300-20"]')
    assert bad != text
    (tmp_path / "old.yaml").write_text(bad)
    code, _, err = run("check", str(D11 / "config.yaml"), "--against", str(tmp_path / "old.yaml"))
    assert code == 2 and "not a valid config" in err


# -- the order record ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def order(d11) -> dict:
    return json.loads(d11.quote(d11_cart()).to_json())


def forged(order: dict, path: tuple, value: object) -> dict:
    out = copy.deepcopy(order)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


@pytest.mark.parametrize(("path", "value", "where"), [
    (("lines", 0, "units"), ["99999.00", "99999.00"], "lines[0].units"),
    (("applied", -1, "vouchers"), 30000, "applied[%d].vouchers"),
    (("shops", 0, "postage"), "999.00", "shops[0].payable"),
    (("lines", 0, "payable"), "1.00", "lines[0].units"),
])  # fmt: skip
def test_a_forged_record_is_rejected_before_anything_is_paid(d11, order, path, value, where) -> None:
    bad = forged(order, path, value)
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(bad, {"refunds": [ref("1")]})
    types = problems(err)
    assert set(types.values()) == {"order_inconsistent"}
    assert (where % (len(order["applied"]) - 1) if "%d" in where else where) in types


def test_a_fake_line_or_an_unused_coupon_is_rejected(d11, order) -> None:
    bad = copy.deepcopy(order)
    bad["lines"].append(dict(bad["lines"][0], id="fake", units=["10000000.00"], payable="10000000.00"))
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(bad, {"refunds": [ref("fake")]})
    assert "order_inconsistent" in problems(err).values()
    bad = copy.deepcopy(order)
    bad["applied"].append({"id": "b-rp5", "kind": "shop_red_packet", "layer": "coupon", "amount": "0.00",
                           "funded_by": "merchant", "lines": {}})  # fmt: skip
    if any(a["id"] == "b-rp5" for a in order["applied"]):
        bad["applied"].pop()
        bad["applied"].append({"id": "no-such", "kind": "x", "layer": "coupon", "amount": "0.00", "lines": {}})
    with pytest.raises(promocalc.CartError):
        d11.refund(bad, {"refunds": [ref("1")]})


def test_duplicate_line_ids_in_an_order_are_rejected(d11, order) -> None:
    bad = forged(order, ("lines", 1, "id"), order["lines"][0]["id"])
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(bad, {"refunds": [ref("1")]})
    assert problems(err).get("lines[1].id") == "order_inconsistent"


def test_a_record_of_another_campaign_or_version_is_refused(order) -> None:
    other = promocalc.load(ROOT / "examples" / "cross-shop-2021" / "config.yaml")
    with pytest.raises(promocalc.CartError) as err:
        other.refund(order, {"refunds": [ref("1")]})
    assert problems(err) == {"campaign": "campaign_mismatch"}
    changed = (D11 / "config.yaml").read_text().replace('"300-20", "500-50"', '"300-20", "500-55"')
    newer = promocalc.load(changed)
    with pytest.raises(promocalc.CartError) as err:
        newer.refund(order, {"refunds": [ref("1")]})
    assert problems(err) == {"fingerprint": "campaign_mismatch"}
    assert "tmall-1111-2016" in str(err.value)


def test_the_fingerprint_ignores_how_the_config_is_written() -> None:
    a = promocalc.load(D11 / "config.yaml")
    from promocalc.io.documents import read_file

    b = promocalc.load(json.dumps(read_file(D11 / "config.yaml").data, default=str, indent=3))
    assert a.fingerprint == b.fingerprint
    assert promocalc.load(D11 / "config.yaml", signing_key=KEY).fingerprint == a.fingerprint


def test_a_sealed_record_detects_any_change_and_a_missing_seal() -> None:
    camp = promocalc.load(D11 / "config.yaml", signing_key=KEY)
    rec = json.loads(camp.quote(d11_cart()).to_json())
    assert len(rec["seal"]) == 64
    assert camp.refund(rec, {"refunds": [ref("1")]}).total > 0
    # a forgery that re-balances every total still fails: the seal covers every byte of meaning
    bad = forged(rec, ("not_applied",), [])
    with pytest.raises(promocalc.CartError) as err:
        camp.refund(bad, {"refunds": [ref("1")]})
    assert problems(err) == {"seal": "seal_invalid"}
    unsealed = {k: v for k, v in rec.items() if k != "seal"}
    with pytest.raises(promocalc.CartError):
        camp.refund(unsealed, {"refunds": [ref("1")]})
    with pytest.raises(promocalc.CartError):
        promocalc.load(D11 / "config.yaml", signing_key=KEY + "x").refund(rec, {"refunds": [ref("1")]})


@pytest.mark.parametrize("bad", [
    {"lines": [{"id": "1", "shop": "shop-a", "discounts": ["x"]}]}, {"shops": 5}, {"applied": [{"id": "a", "lines": []}]},
    {"at": "garbage"}, {"lines": "x"}, {"refunds": [5]}, {"colour": 1},
])  # fmt: skip
def test_malformed_order_fields_are_located_problems(d11, order, bad) -> None:
    rec = copy.deepcopy(order)
    rec.update(bad)
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(rec, {"refunds": [ref("1")]})
    assert err.value.problems


@pytest.mark.parametrize("bad", [{"stage": ["in_sale"]}, {"stage": {}}, {"qty": "1"}, {"closed_at": 5},
                                 {"closed_at": "9999-01-01T00:00"}, {"colour": 1}, {"id": ["x"]}])  # fmt: skip
def test_malformed_refunds_are_located_problems(d11, order, bad) -> None:
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(order, {"refunds": [dict(ref("1"), **bad)]})
    assert all(p.path().startswith("refunds[0]") for p in err.value.problems)


# -- the refund history --------------------------------------------------------------------------------


def test_a_refund_cannot_be_paid_twice_through_the_updated_record(d11, order) -> None:
    first = d11.refund(order, {"refunds": [ref("5", id="r1")]})
    assert first.total == int(order["lines"][4]["payable"].replace(".", ""))
    rec = first.order
    assert [h["id"] for h in rec["refunds"]] == ["r1"]
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(rec, {"refunds": [ref("5")]})
    assert problems(err) == {"refunds[0]": "fully_refunded"}
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(rec, {"refunds": [ref("1", id="r1")]})
    assert problems(err) == {"refunds[0].id": "duplicate_refund"}


def test_history_applied_in_steps_equals_one_list(d11, order) -> None:
    steps = [ref("1", qty=1), ref("1", qty=1), ref("4", qty=None, amount="3.00"), ref("4", qty=3), ref("2")]
    whole = d11.refund(order, {"refunds": steps}).to_dict()
    rec, totals, returned = order, 0, []
    for s in steps:
        res = d11.refund(rec, {"refunds": [s]})
        rec = json.loads(json.dumps(res.order))
        totals += res.total
        returned += res.to_dict()["returned"]
    assert f"{totals / 100:.2f}" == whole["total"]
    assert res.to_dict()["remaining"] == whole["remaining"]
    assert sorted(r["id"] for r in returned) == sorted(r["id"] for r in whole["returned"])
    assert len(rec["refunds"]) == len(steps)


def test_a_forged_history_is_detected(d11, order) -> None:
    rec = d11.refund(order, {"refunds": [ref("1")]}).order
    bad = copy.deepcopy(rec)
    bad["refunds"][0]["amount"] = "0.01"
    with pytest.raises(promocalc.CartError) as err:
        d11.refund(bad, {"refunds": [ref("1")]})
    assert problems(err) == {"refunds[0].amount": "order_inconsistent"}


def test_refund_out_writes_the_updated_record_and_order_errors_name_the_order(tmp_path: Path) -> None:
    cfg = str(D11 / "config.yaml")
    code, out, _ = run("quote", "--config", cfg, "--cart", str(D11 / "cart.yaml"))
    (tmp_path / "order.json").write_text(out)
    (tmp_path / "r.json").write_text(json.dumps({"refunds": [ref("5", id="r1")]}))
    args = ["refund", "--config", cfg, "--order", str(tmp_path / "order.json"), "--refunds", str(tmp_path / "r.json")]
    code, out, err = run(*args, "--out", str(tmp_path / "order2.json"))
    assert code == 0, err
    rec = json.loads((tmp_path / "order2.json").read_text())
    assert rec["refunds"][0]["id"] == "r1" and json.loads(out)["order"] == rec
    code, _, err = run(*args[:3], "--order", str(tmp_path / "order2.json"), *args[5:])
    assert code == 1 and "already in the order's history" in err and "r.json" in err
    bad = json.loads((tmp_path / "order.json").read_text())
    bad["lines"][0]["units"] = ["99999.00", "99999.00"]
    (tmp_path / "bad.json").write_text(json.dumps(bad, indent=1))
    code, _, err = run(*args[:3], "--order", str(tmp_path / "bad.json"), *args[5:])
    assert code == 1 and "bad.json:" in err and "r.json" not in err


def test_the_command_line_seals_with_the_environment_key(tmp_path: Path) -> None:
    env = {"PROMOCALC_SIGNING_KEY": KEY}
    cfg = str(D11 / "config.yaml")
    code, out, _ = run("quote", "--config", cfg, "--cart", str(D11 / "cart.yaml"), env=env)
    assert "seal" in json.loads(out)
    rec = json.loads(out)
    rec["not_applied"] = []
    (tmp_path / "order.json").write_text(json.dumps(rec))
    (tmp_path / "r.json").write_text(json.dumps({"refunds": [ref("5")]}))
    code, _, err = run("refund", "--config", cfg, "--order", str(tmp_path / "order.json"),
                       "--refunds", str(tmp_path / "r.json"), env=env)  # fmt: skip
    assert code == 1 and "seal" in err


def test_a_plain_line_and_a_line_with_more_fields_become_the_same_line(d11) -> None:
    # the validator builds a plain six-field line without calling Line(...): every field must still be set
    from promocalc.engine.cart import Line

    plain = d11_cart()
    for ln in plain["lines"]:
        del ln["title"]
    full = copy.deepcopy(plain)
    for ln in full["lines"]:
        ln["platform_eligible"] = True  # a seventh field: the full checks
    fast, slow = d11.cart(plain).lines, d11.cart(full).lines
    assert [[getattr(ln, f) for f in Line.__slots__] for ln in fast] == [
        [getattr(ln, f) for f in Line.__slots__] for ln in slow]
