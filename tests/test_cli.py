"""The command line: exit codes, located one-line errors, receipts, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from promocalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
D11 = ROOT / "examples" / "double11-2016"
X21 = ROOT / "examples" / "cross-shop-2021"


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args))
    assert "Traceback" not in res.output and "Traceback" not in res.stderr
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize(("folder", "cart"), [(D11, "cart.yaml"), (D11, "cart-named.yaml"), (D11, "cart-preheat.yaml"),
                                              (X21, "cart.yaml"), (X21, "cart-presale.yaml")])  # fmt: skip
def test_bundled_examples_price(folder: Path, cart: str) -> None:
    code, out, err = run("quote", "--config", str(folder / "config.yaml"), "--cart", str(folder / cart))
    assert code == 0, err
    q = json.loads(out)
    assert q["payable"] == f"{sum(__import__('decimal').Decimal(s['payable']) for s in q['shops']):.2f}"


def test_double11_engine_choice_beats_naming_the_bigger_coupon() -> None:
    _, out, _ = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(D11 / "cart.yaml"))
    q = json.loads(out)
    assert q["optimal"] is True
    ids = {a["id"] for a in q["applied"]}
    assert "d11-voucher" in ids


def test_text_receipt_in_both_locales() -> None:
    args = ["quote", "--config", str(D11 / "config.yaml"), "--cart", str(D11 / "cart-preheat.yaml"), "--format", "text"]
    code, out, _ = run(*args)
    assert code == 0 and "预热期" in out and "¥259.00" in out
    code, out, _ = run(*args, "--locale", "en_US")
    assert "preheat" in out and "¥259.00" in out


def test_receipt_says_how_much_more_to_spend(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "at: '2016-11-11T10:00'\nlines:\n  - {id: '1', shop: shop-a, item: bag, category: womenswear, price: '280.00', qty: 1}\n"
        "wallet: {coupons: [a-c20]}\nuse: [a-c20]\n", encoding="utf-8")  # fmt: skip
    _, out, _ = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(tmp_path / "c.yaml"), "--format", "text")
    assert "再买 ¥20.00 可享满300减20" in out
    _, out, _ = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(tmp_path / "c.yaml"),
                    "--format", "text", "--locale", "en_US")  # fmt: skip
    assert "spend ¥20.00 more for ¥20 off ¥300" in out


def test_invalid_cart_exits_1_with_file_line_col(tmp_path: Path) -> None:
    cart = tmp_path / "bad.yaml"
    cart.write_text(
        "lines:\n"
        "  - {id: '1', shop: shop-a, item: x, category: womenswear, price: '1.234', qty: 1}\n"
        "  - {id: '2', shop: shop-z, item: x, category: womenswear, price: '1.00', qty: -2}\n", encoding="utf-8")  # fmt: skip
    code, out, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(cart))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert re.match(rf"^{re.escape(str(cart))}:2:\d+: amount '1.234' has more than two decimals", lines[0])
    assert any(ln.startswith(f"{cart}:3:") and "unknown shop 'shop-z'" in ln for ln in lines)
    assert any(ln.startswith(f"{cart}:3:") and "qty -2" in ln for ln in lines)


def test_coupon_not_held_and_broken_card_rule_exit_1(tmp_path: Path) -> None:
    cart = tmp_path / "c.json"
    cart.write_text(json.dumps({"lines": [{"id": "1", "shop": "shop-b", "item": "nuts", "category": "snacks",
                                           "price": "100.00", "qty": 1}],
                                "wallet": {"coupons": ["b-ic", "b-rp5"]},
                                "use": ["b-ic", "b-rp5", "a-c20"]}, indent=1))  # fmt: skip
    code, _, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(cart))
    assert code == 1
    assert "one kind of card per shop" in err and "'a-c20' is not in the wallet" in err


UNUSABLE = [b"", b"\x00\x01binary", b"\xff\xfe\xfa not utf8", b"a: [1, 2\n", b"!!python/object:os.system x"]


@pytest.mark.parametrize("content", UNUSABLE)
def test_unusable_input_exits_2(tmp_path: Path, content: bytes) -> None:
    cart = tmp_path / "c.yaml"
    cart.write_bytes(content)
    code, _, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(cart))
    assert code == 2 and err.startswith(f"{cart}:")


def test_missing_file_and_directory_exit_2(tmp_path: Path) -> None:
    code, _, err = run("quote", "--config", str(tmp_path / "nope.yaml"), "--cart", str(D11 / "cart.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run("quote", "--config", str(tmp_path), "--cart", str(D11 / "cart.yaml"))
    assert code == 2 and "not a file" in err


def test_invalid_config_is_located(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("promocalc: 1\ncampaign: {id: x}\npromotions:\n  - {id: p, kind: shop_redpacket, shop: s}\n", encoding="utf-8")
    code, _, err = run("quote", "--config", str(cfg), "--cart", str(D11 / "cart.yaml"))
    assert code == 2
    assert f"{cfg}:4:" in err and "did you mean 'shop_red_packet'" in err


def test_refund_command_json_and_text(tmp_path: Path) -> None:
    _, out, _ = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(D11 / "cart-named.yaml"))
    (tmp_path / "order.json").write_text(out, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(
        "refunds:\n  - {line: '1', qty: 1, stage: in_sale, closed_at: '2016-11-11T20:00'}\n", encoding="utf-8")
    args = ["refund", "--config", str(D11 / "config.yaml"), "--order", str(tmp_path / "order.json"),
            "--refunds", str(tmp_path / "r.yaml")]  # fmt: skip
    code, out, err = run(*args)
    assert code == 0, err
    res = json.loads(out)
    assert res["refunds"][0]["qty"] == 1 and res["not_returned"][0]["reason"] == "partial_refund"
    code, out, _ = run(*args, "--format", "text")
    assert "部分退款不退券" in out
    (tmp_path / "r.yaml").write_text("refunds:\n  - {line: '9', qty: 1, closed_at: '2016-11-11T20:00'}\n", encoding="utf-8")
    code, _, err = run(*args)
    assert code == 1 and err.startswith(f"{tmp_path / 'r.yaml'}:2:") and "unknown line '9'" in err


def test_schema_is_json_schema() -> None:
    code, out, _ = run("schema")
    s = json.loads(out)
    assert code == 0 and "promotions" in s["properties"] and "$defs" in s


def test_json_cart_errors_are_located_too(tmp_path: Path) -> None:
    cart = tmp_path / "c.json"
    cart.write_text('{"lines": [\n  {"id": "1", "shop": "shop-a", "item": "x", "category": "womenswear",\n'
                    '   "price": 1.234, "qty": 1}\n]}\n', encoding="utf-8")  # fmt: skip
    code, _, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(cart))
    assert code == 1 and err.startswith(f"{cart}:3:13: amount 1.234 has more than two decimals")


def test_json_duplicate_keys_are_refused_with_their_line(tmp_path: Path) -> None:
    cart = tmp_path / "c.json"
    cart.write_text('{"lines": [],\n "lines": []}\n', encoding="utf-8")
    code, _, err = run("quote", "--config", str(D11 / "config.yaml"), "--cart", str(cart))
    assert code == 2 and err.startswith(f"{cart}:2:")


def test_dash_reads_the_cart_the_config_and_refunds_from_standard_input(tmp_path: Path) -> None:
    cart = (D11 / "cart.yaml").read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["quote", "--config", str(D11 / "config.yaml"), "--cart", "-"], input=cart)
    assert res.exit_code == 0, res.stderr
    order = res.stdout
    assert json.loads(order)["payable"] == "2893.00"
    res = CliRunner().invoke(main, ["quote", "--config", "-", "--cart", str(D11 / "cart.yaml")],
                             input=(D11 / "config.yaml").read_text(encoding="utf-8"))  # fmt: skip
    assert res.exit_code == 0 and json.loads(res.stdout)["payable"] == "2893.00"
    refunds = "refunds:\n  - {line: '5', qty: 1, closed_at: '2016-11-11T20:00'}\n"
    saved = tmp_path / "order.json"
    saved.write_text(order, encoding="utf-8")
    res = CliRunner().invoke(main, ["refund", "--config", str(D11 / "config.yaml"), "--order", str(saved),
                                    "--refunds", "-"], input=refunds)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    (tmp_path / "r.yaml").write_text(refunds, encoding="utf-8")
    res2 = CliRunner().invoke(main, ["refund", "--config", str(D11 / "config.yaml"), "--order", "-",
                                     "--refunds", str(tmp_path / "r.yaml")], input=order)  # fmt: skip
    assert res2.exit_code == 0 and res2.stdout == res.stdout
    assert json.loads(res.stdout)["refunds"][0]["amount"] == "1879.00"


def test_a_bad_cart_on_standard_input_is_located_as_stdin() -> None:
    bad = (D11 / "invalid" / "bad-cart.yaml").read_text(encoding="utf-8")
    code, _, err = run_input(bad, "quote", "--config", str(D11 / "config.yaml"), "--cart", "-")
    assert code == 1 and err.startswith("<stdin>:2:71: amount '1.234'")


def test_standard_input_is_read_once_per_command() -> None:
    code, _, err = run_input("{}", "quote", "--config", "-", "--cart", "-")
    assert code == 2 and err.startswith("<stdin>:1:1:")  # the config took standard input; it is no config


def test_check_reads_standard_input() -> None:
    text = (D11 / "config.yaml").read_text(encoding="utf-8")
    code, _, err = run_input(text, "check", "-")
    assert code == 0, err
    code, _, err = run_input(text.replace("shop-a:", "shop-q:"), "check", "-")
    assert code == 1 and re.search(r"<stdin>:\d+:\d+: unknown shop 'shop-a'", err)
    code, _, err = run_input(text, "check", "-", "--against", "-")
    assert code == 2 and "only one input" in err


def run_input(stdin: str, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), input=stdin)
    assert "Traceback" not in res.output and "Traceback" not in res.stderr
    return res.exit_code, res.stdout, res.stderr


def test_examples_copies_the_bundled_examples_with_the_schema_their_modeline_names(tmp_path: Path) -> None:
    dest = tmp_path / "ex"
    code, out, err = run("examples", str(dest))
    assert code == 0, err
    shipped = sorted(p.relative_to(ROOT / "examples") for p in (ROOT / "examples").rglob("*")
                     if p.is_file() and p.name != "promocalc.schema.json")  # fmt: skip
    copied = sorted(p.relative_to(dest) for p in dest.rglob("*") if p.is_file() and p.name != "promocalc.schema.json")
    assert copied == shipped
    config = dest / "double11-2016" / "config.yaml"
    modeline = config.read_text(encoding="utf-8").splitlines()[0]
    target = re.search(r"\$schema=(\S+)", modeline)
    assert target is not None
    schema = json.loads((config.parent / target.group(1)).read_text(encoding="utf-8"))
    _, printed, _ = run("schema")
    assert schema == json.loads(printed)
    code, again, err = run("examples", str(dest))
    assert code == 2 and "already exists; nothing was copied" in err
    code, out, _ = run("quote", "--config", str(config), "--cart", str(dest / "double11-2016" / "cart.yaml"))
    assert code == 0 and json.loads(out)["payable"] == "2893.00"
