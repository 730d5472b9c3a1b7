"""Receipts: the bundled examples as golden text in both locales, locale names, alignment, titles, HTML,
money and display width."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import promocalc
from promocalc.cli import main
from promocalc.locale import MESSAGES, REASONS, money, normalize_locale, width

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "data" / "receipts"
CASES = [("double11-2016", "cart"), ("double11-2016", "cart-named"), ("double11-2016", "cart-preheat"),
         ("cross-shop-2021", "cart"), ("cross-shop-2021", "cart-presale")]  # fmt: skip
REGENERATE = os.environ.get("PROMOCALC_REGENERATE_RECEIPTS") == "1"  # rewrite the golden files after a wording change


def receipt(folder: str, cart: str, locale: str) -> str:
    campaign = promocalc.load(EXAMPLES / folder / "config.yaml")
    return campaign.quote(_doc(folder, cart)).to_text(locale)


def _doc(folder: str, cart: str) -> object:
    from promocalc.io.documents import read_file

    return read_file(EXAMPLES / folder / f"{cart}.yaml")


@pytest.mark.parametrize("locale", ["zh_CN", "en_US"])
@pytest.mark.parametrize(("folder", "cart"), CASES)
def test_bundled_example_receipts_match_the_golden_text(folder: str, cart: str, locale: str) -> None:
    got = receipt(folder, cart, locale)
    path = GOLDEN / f"{folder}.{cart}.{locale}.txt"
    if REGENERATE:
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("folder", "cart"), CASES)
def test_the_command_line_prints_the_same_receipt(folder: str, cart: str) -> None:
    res = CliRunner().invoke(main, ["quote", "--config", str(EXAMPLES / folder / "config.yaml"), "--cart",
                                    str(EXAMPLES / folder / f"{cart}.yaml"), "--format", "text", "--locale", "en"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert res.stdout == (GOLDEN / f"{folder}.{cart}.en_US.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder,cart", CASES)
def test_amounts_sit_in_one_column_by_display_width(folder: str, cart: str) -> None:
    for locale in ("zh_CN", "en_US"):
        ends = {width(line) for line in receipt(folder, cart, locale).splitlines() if re.search(r"¥[\d,]+\.\d\d$", line)
                and not line.lstrip().startswith(("✗",))}  # fmt: skip
        assert len(ends) == 1, ends


def test_names_from_the_config_and_titles_from_the_cart() -> None:
    zh = receipt("double11-2016", "cart", "zh_CN")
    assert "天猫双11 2016" in zh and "店铺：甲店" in zh and "连衣裙 ×2" in zh and "✓ 连衣裙85折（单品优惠）" in zh
    assert "tmall-1111-2016" not in zh and "shop-a" not in zh and "a-85" not in zh
    assert not re.search(r"\b(in_sale|proportional|threshold_not_met|item|platform)\b", zh)


def test_ids_stand_in_where_the_config_has_no_names() -> None:
    cfg = "promocalc: 1\ncampaign: {id: plain}\nshops: {s: {}}\npromotions:\n  - {id: r10, kind: shop_red_packet, shop: s, off: '10.00'}\n"
    q = promocalc.load(cfg).quote({"at": "2026-01-01T10:00", "wallet": {"coupons": ["r10"]},
                                  "lines": [{"id": "1", "shop": "s", "item": "cup", "category": "c", "price": "50.00", "qty": 1}]})  # fmt: skip
    text = q.to_text("en")
    assert "Receipt · plain" in text and "Shop: s" in text and "cup ×1" in text and "✓ r10 (Coupon)" in text


def test_presale_expansion_and_instant_off_are_entries_of_their_own() -> None:
    camp = promocalc.load(EXAMPLES / "cross-shop-2021" / "config.yaml")
    cart = {"at": "2021-11-01T01:00", "lines": [{"id": "p", "shop": "beauty-flagship", "item": "cream", "title": "面霜",
            "category": "beauty", "price": "1000.00", "qty": 2,
            "presale": {"deposit": "100.00", "deposit_value": "150.00", "instant_off": "20.00"}}]}  # fmt: skip
    q = camp.quote(cart)
    zh = q.to_text("zh")
    assert re.search(r"\n    定金膨胀 +−¥100\.00\n", zh) and re.search(r"\n    立减 +−¥40\.00\n", zh)
    assert re.search(r"✓ 定金膨胀（面霜） +−¥100\.00", zh) and re.search(r"✓ 立减（面霜） +−¥40\.00", zh)
    assert "单品优惠" not in zh.split("已享优惠")[0]  # no item promotion: the presale parts are the whole item layer
    line = q.to_dict()["lines"][0]
    assert line["discounts"]["item"] == "140.00"


def test_english_plurals_and_complete_tier_wording() -> None:
    camp = promocalc.load(EXAMPLES / "cross-shop-2021" / "config.yaml")
    q = camp.quote({"at": "2021-11-11T10:00", "lines": [
        {"id": "h", "shop": "home-store", "item": "towel", "category": "home", "price": "49.90", "qty": 1}]})
    assert "再买 1 件可享满2件9.5折" in q.to_text("zh_CN")
    en = q.to_text("en_US")
    assert "buy 1 more item for 5% off 2 items" in en and "1 items" not in en
    d11 = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    q = d11.quote({"at": "2016-11-11T10:00", "lines": [
        {"id": "1", "shop": "shop-b", "item": "chips", "category": "snacks", "price": "9.90", "qty": 1}]})
    assert "再买 1 件可享满2件9折" in q.to_text("zh_CN")
    assert "buy 1 more item for 10% off 2 items" in q.to_text("en_US")


@pytest.mark.parametrize(("given", "expected"), [("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("ZH-cn", "zh_CN"),
                                                 ("en_US", "en_US"), ("en-US", "en_US"), ("en", "en_US")])  # fmt: skip
def test_accepted_locale_names(given: str, expected: str) -> None:
    assert normalize_locale(given) == expected
    q = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml").quote(_doc("double11-2016", "cart-preheat"))
    assert q.to_text(given) == q.to_text(expected)


@pytest.mark.parametrize("bad", ["fr_FR", "", "zh_TW", "english", None, 3])
def test_other_locales_are_a_promocalc_error_naming_the_supported_ones(bad: object) -> None:
    q = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml").quote(_doc("double11-2016", "cart-preheat"))
    with pytest.raises(promocalc.PromocalcError, match=r"zh_CN, zh-CN, zh, en_US, en-US, en"):
        q.to_text(bad)  # type: ignore[arg-type]
    with pytest.raises(promocalc.PromocalcError):
        q.to_html(bad)  # type: ignore[arg-type]


def test_the_command_line_refuses_an_unknown_locale_cleanly() -> None:
    folder = EXAMPLES / "double11-2016"
    res = CliRunner().invoke(main, ["quote", "--config", str(folder / "config.yaml"), "--cart", str(folder / "cart.yaml"),
                                    "--format", "text", "--locale", "fr_FR"])  # fmt: skip
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "unsupported locale 'fr_FR'" in res.stderr and "zh_CN" in res.stderr and "en_US" in res.stderr


def test_every_reason_code_has_words_in_every_locale() -> None:
    codes = set()
    for path in (ROOT / "src" / "promocalc").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'Skipped\([^()]*?"([a-z_]+)"', source))
        codes |= set(re.findall(r'reason = "([a-z_]+)"', source))
    assert codes, "no reason codes found: the scan no longer matches the engine"
    assert codes <= set(REASONS), codes - set(REASONS)
    for locale, table in MESSAGES.items():
        missing = [r for r in REASONS if r not in table]
        assert not missing, (locale, missing)
        assert set(table) == set(MESSAGES["zh_CN"]), locale


def test_the_notebook_table_has_distinct_headers_localized_reasons_and_grouped_money() -> None:
    q = promocalc.load(EXAMPLES / "cross-shop-2021" / "config.yaml").quote(_doc("cross-shop-2021", "cart"))
    page = q._repr_html_()
    heads = re.findall(r"<th>([^<]*)</th>", page)
    assert len(heads) == len(set(heads)) == 8
    assert "¥1,198.00" in page and "¥1198.00" not in page
    assert "与跨店满减不可同时使用" in page and "excluded_by" not in page
    assert "Shop discount" in q.to_html("en")


def test_html_escapes_names_and_titles() -> None:
    cfg = "promocalc: 1\ncampaign: {id: c, name: '<b>x</b>'}\nshops: {s: {name: 'A&B'}}\n"
    q = promocalc.load(cfg).quote({"at": "2026-01-01T10:00", "lines": [
        {"id": "1", "shop": "s", "item": "i", "title": "<script>", "category": "c", "price": "5.00", "qty": 1}]})
    page = q.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "A&amp;B" in page and "<b>x</b>" not in page


@pytest.mark.parametrize("title", ["", "  ", "a\nb", "tab\there", "x" * 201, 5])
def test_a_bad_title_is_a_located_cart_error(title: object) -> None:
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    with pytest.raises(promocalc.CartError) as err:
        camp.quote({"lines": [{"id": "1", "shop": "shop-a", "item": "dress", "title": title, "category": "womenswear",
                               "price": "10.00", "qty": 1}]})  # fmt: skip
    assert [p.path() for p in err.value.problems] == ["lines[0].title"]


def test_the_title_is_kept_in_the_quote_and_names_the_line_of_a_refund() -> None:
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    q = camp.quote(_doc("double11-2016", "cart"))
    order = json.loads(q.to_json())
    assert order["lines"][0]["title"] == "连衣裙"
    r = camp.refund(order, {"refunds": [{"line": "1", "qty": 1, "closed_at": "2016-11-12T09:00"}]})
    zh = r.to_text("zh")
    assert "连衣裙（1 件，售中退款）" in zh and "天猫购物券：不退回 — 部分退款不退券" in zh and "按实付比例退款" in zh
    en = r.to_text("en")
    assert "连衣裙 (1 unit, before completion)" in en and "partial refund" in en
    assert "<table" in r._repr_html_()
    ends = {width(line) for line in zh.splitlines() if line.endswith(".00") or re.search(r"\.\d\d$", line)}
    assert len(ends) == 1


def test_simulation_text_formats_money_and_plurals() -> None:
    pytest.importorskip("pandas")
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    one = promocalc.simulate(camp, [_doc("double11-2016", "cart").data]).to_text()  # type: ignore[attr-defined]
    assert ": 1 cart, 5 lines," in one and "1 carts" not in one
    assert re.search(r"list amount ¥3,474\.70", one)


# -- money and width: the fast forms against their definitions -----------------------------------------

def _babel_money(amount: object, locale: str) -> str:
    value = Decimal(amount).scaleb(-2) if isinstance(amount, int) else Decimal(amount)  # type: ignore[arg-type]
    return f"{'-' if value < 0 else ''}¥{format_decimal(abs(value), format='#,##0.00', locale=locale)}"


@given(fen=st.integers(-(10**17), 10**17), locale=st.sampled_from(["zh_CN", "en_US"]))
def test_money_of_whole_fen_is_what_babel_writes(fen: int, locale: str) -> None:
    as_text = f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"
    assert money(fen, locale) == _babel_money(fen, locale)
    assert money(as_text, locale) == _babel_money(as_text, locale)


@pytest.mark.parametrize("amount", ["-0.00", "1.5", "12", "1.005", "-3.999", Decimal("3.10"), "1e3"])
def test_money_of_other_amounts_goes_to_babel(amount: object) -> None:
    for locale in ("zh_CN", "en_US"):
        assert money(amount, locale) == _babel_money(amount, locale)  # type: ignore[arg-type]


@given(st.text(max_size=20))
def test_width_counts_wide_characters_twice_and_combining_ones_not_at_all(s: str) -> None:
    expected = sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
    assert width(s) == expected


def test_a_long_receipt_reads_the_layer_shares_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # they were made again for every line: quadratic, 0.4 s for a 2,000-line receipt
    from promocalc.quote import Quote

    campaign = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    q = campaign.quote(_doc("double11-2016", "cart"))
    made = []
    real = Quote._layer_shares

    def counted(self: Quote) -> list[tuple[int, ...]]:
        made.append(1)
        return real.fget(self)  # type: ignore[no-any-return,attr-defined]

    monkeypatch.setattr(Quote, "_layer_shares", property(counted))
    assert len(q._p.ctx.lines) > 1
    q.to_text()
    q.to_html()
    assert len(made) == 2
