"""``promocalc check`` through the command line: exit codes and the exact FILE:LINE:COL of every complaint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from promocalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "check"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, ["check", *args], env=env)
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stdout, res.stderr


def where(text: str, name: str) -> dict[str, str]:
    """``{"LINE:COL": message}`` for the located lines of ``name`` in ``text``."""
    out = {}
    for line in text.splitlines():
        m = re.match(re.escape(name) + r":(\d+):(\d+): (.*)$", line)
        if m:
            out[f"{m.group(1)}:{m.group(2)}"] = m.group(3)
    return out


def test_valid_config_passes() -> None:
    code, _, err = run(str(DATA / "valid.yaml"))
    assert code == 0, err
    assert where(err, str(DATA / "valid.yaml")) == {}
    assert "no problems" in err


def test_bundled_examples_pass() -> None:
    configs = sorted(str(p) for p in (ROOT / "examples").glob("*/config.yaml"))
    assert configs
    code, _, err = run(*configs)
    assert code == 0, err


def test_meaning_problems_all_reported_with_their_place() -> None:
    path = str(DATA / "meaning.yaml")
    code, _, err = run(path)
    assert code == 1
    found = where(err, path)
    expect = {
        "7:30": "threshold edit deadline is at 2016-08-30T00:00, before the threshold setup ends",
        "14:20": "voucher off 15.00 of group 'B' is not a multiple of the face value 10.00",
        "14:30": "spend must be above the previous tier",
        "15:10": "voucher group 'C' of 'womenswear' has 4 tiers; a group has 1 to 3",
        "22:34": "group 'D' is not offered for category 'womenswear' (offered: A, B, C)",
        "24:22": "member shop 'shop-b' chooses no voucher group",
        "26:21": "warning: shop 'shop-c' chooses voucher groups but is not a campaign member",
        "26:29": "unknown category 'snack'; did you mean 'snacks'?",
        "28:44": "unknown shop 'shop-x'",
        "29:10": "promotion id 'a-mj' is already used by promotions[0]",
        "29:57": "a coupon's threshold must exceed its face value by at least 0.01",
        "30:74": "item coupon 'a-ic': its scope names exactly one item (it names 2: dress, skirt)",
        "31:50": "unknown promotion 'allowence'; did you mean 'allowance'?",
        "32:74": "promotion 'early' is valid only outside the campaign",
        "33:80": "warning: promotion 'capped': max_off 10.00 is below one step",
        "34:103": "warning: promotion 'nothing': every item of its scope is excluded",
    }
    assert set(found) == set(expect)
    for pos, text in expect.items():
        assert text in found[pos], (pos, found[pos])
    assert "13 errors, 3 warnings in 1 file" in err


def test_schema_problems_all_at_once_with_suggestions() -> None:
    path = str(DATA / "schema.yaml")
    code, _, err = run(path)
    assert code == 1
    assert where(err, path) == {
        "4:12": "'paralel' is not one of sequential, parallel; did you mean 'parallel'? (campaign.ruleset)",
        "5:3": "unknown field 'calender'; did you mean 'calendar'? (campaign.calender)",
        "7:44": "amount '8.005' has more than two decimals (shops.shop-a.postage)",
        "9:48": "rate 1.5 must lie strictly between 0 and 1 (the fraction paid) (promotions[0].rate)",
        "10:22": "unknown kind 'shop_redpacket'; did you mean 'shop_red_packet'? (promotions[1].kind)",
        "11:68": "items 0 must be at least 1 (promotions[2].tiers[0].items)",
        "12:5": "missing field 'shop' (promotions[3].shop)",
        "13:39": "unknown field 'face'; did you mean 'face_value'? (promotions[4].face)",
        "14:5": "missing field 'kind' (one of price, rate, amount_off, shop_reduction, quantity_deal, shop_coupon, "
                "item_coupon, shop_red_packet, category_voucher, cross_shop_reduction, category_coupon, free_postage, gift, platform_red_packet) "
                "(promotions[5].kind)",
    }


def test_meaning_checks_run_on_the_entries_that_pass_the_schema() -> None:
    path = str(DATA / "mixed.yaml")
    code, _, err = run(path)
    assert code == 1
    found = where(err, path)
    assert sorted(found, key=lambda k: tuple(map(int, k.split(":")))) == [
        "5:36", "7:64", "8:29", "10:47", "12:43", "12:86", "13:10", "13:56"]
    assert found["8:29"].startswith("Input should be a valid boolean")  # schema: shop-b is set aside
    assert found["10:47"].startswith("rate 2 must lie strictly between 0 and 1")  # schema: 'bad' is set aside
    assert found["12:43"].startswith("unknown shop 'shop-c'")
    assert found["12:86"].startswith("unknown promotion 'oops'")  # 'bad' exists, it only failed the schema
    assert found["13:10"] == "promotion id 'ok2' is already used by promotions[2] (promotions[3].id)"
    assert "by at least 0.01" in found["13:56"]


def test_calendar_and_validity_windows() -> None:
    path = str(DATA / "calendar.yaml")
    code, out, _ = run(path, "--format", "json")
    assert code == 1
    got = {(p["line"], p["column"]): (p["type"], p["severity"]) for p in json.loads(out)["problems"]}
    assert got == {
        (5, 55): ("window_empty", "error"),
        (8, 24): ("calendar_order", "error"),
        (16, 12): ("voucher_never_effective", "warning"),
        (17, 111): ("window_empty", "error"),
        (18, 73): ("valid_outside_campaign", "error"),
    }


def test_quantity_tiers() -> None:
    path = str(DATA / "quantity.yaml")
    code, _, err = run(path)
    assert code == 1
    found = where(err, path)
    assert sorted(found) == ["5:75", "6:52", "6:74"]
    assert "tier of 3 items pays rate 0.95, not below the 2-item tier's 0.9" in found["5:75"]
    assert "tier of 2 items: off must be above 0" in found["6:52"]
    assert err.count(f"{path}:6:74: ") == 2


def test_warnings_alone_exit_zero() -> None:
    path = str(DATA / "warnings.yaml")
    code, _, err = run(path)
    assert code == 0, err
    found = where(err, path)
    assert sorted(found) == ["15:22", "20:80", "21:77", "22:105", "23:100", "30:9"]
    assert all(v.startswith("warning: ") for v in found.values())
    assert "did you mean 'blacklist'?" in found["23:100"]
    assert "tier 500.00-50.00 is above max_off 30.00" in found["21:77"]
    assert "window 2017-01-01T00:00 to 2017-01-02T00:00 lies outside the campaign" in found["30:9"]


def test_json_format() -> None:
    path = str(DATA / "meaning.yaml")
    code, out, _ = run(path, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is False and doc["errors"] == 13 and doc["warnings"] == 3
    first = doc["problems"][0]
    assert first == {
        "file": path, "line": 7, "column": 30, "type": "calendar_order", "severity": "error",
        "path": "campaign.calendar.threshold_edit_deadline", "message": first["message"],
    }
    kinds = {(p["line"], p["column"]): (p["type"], p["severity"]) for p in doc["problems"]}
    assert kinds[(26, 29)] == ("unknown_category", "error")
    assert kinds[(34, 103)] == ("scope_matches_nothing", "warning")


def test_json_format_valid() -> None:
    code, out, _ = run(str(DATA / "valid.yaml"), "--format", "json")
    assert code == 0
    assert json.loads(out) == {"valid": True, "errors": 0, "warnings": 0, "files": [str(DATA / "valid.yaml")],
                               "problems": []}


def test_github_format_and_step_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    path = str(DATA / "warnings.yaml")
    bad = str(DATA / "schema.yaml")
    code, out, _ = run(bad, path, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert code == 1
    lines = out.splitlines()
    assert (f"::error file={bad},line=5,col=3,title=promocalc extra_forbidden::unknown field 'calender'; "
            "did you mean 'calendar'? (campaign.calender)") in lines
    assert any(x.startswith(f"::warning file={path},line=20,col=80,title=promocalc max_off_below_step::")
               for x in lines)
    assert len(lines) == 9 + 6
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## promocalc check")
    assert "| file | line | column | severity | type | message |" in text
    assert f"| {bad} | 10 | 22 | error | `union_tag_invalid` |" in text
    assert text.count("\n| ") == 1 + 9 + 6  # the header and one row per problem


def test_github_escapes_newlines_and_percent(tmp_path: Path) -> None:
    cfg = tmp_path / "promo,odd.yaml"
    cfg.write_text('promocalc: 1\ncampaign: {id: x}\nshops: {s: {postage: "1%\\n2"}}\n', encoding="utf-8")
    code, out, _ = run(str(cfg), "--format", "github")
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith(f"::error file={str(cfg).replace(',', '%2C')},line=3,col=22,")
    assert "amount '1%25\\n2'" in line


def test_github_annotation_escapes_line_breaks() -> None:
    from promocalc.checker.output import github_lines
    from promocalc.checker.run import FileReport, Finding
    from promocalc.errors import Problem

    report = FileReport("a:b.yaml", [Finding("a:b.yaml", 2, 3, Problem("t", ("x",), "one\r\ntwo 100%"))])
    assert github_lines([report]) == ["::error file=a%3Ab.yaml,line=2,col=3,title=promocalc t::one%0D%0Atwo 100%25 (x)"]


def test_missing_file_and_directory_exit_2_others_still_checked(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    code, _, err = run(missing, str(tmp_path), str(DATA / "meaning.yaml"))
    assert code == 2
    assert f"{missing}:1:1: no such file" in err
    assert f"{tmp_path}:1:1: not a file" in err
    assert where(err, str(DATA / "meaning.yaml"))  # the readable file was checked too


def test_exit_code_is_the_worst_over_files() -> None:
    code, _, _ = run(str(DATA / "valid.yaml"), str(DATA / "warnings.yaml"))
    assert code == 0
    code, _, _ = run(str(DATA / "valid.yaml"), str(DATA / "meaning.yaml"))
    assert code == 1


def test_no_config_is_a_usage_error() -> None:
    code, _, err = run()
    assert code == 2
    assert "CONFIG" in err


@pytest.mark.parametrize(("now", "expect"), [
    ("2016-08-20T00:00", {}),
    ("2016-09-15T00:00", {"23:10": "single_option_changed"}),
    ("2016-10-01T00:00", {"18:10": "changed_after_deadline", "23:10": "single_option_changed",
                          "29:34": "changed_after_deadline"}),
    ("2016-09-30T00:00+08:00", {"18:10": "changed_after_deadline", "23:10": "single_option_changed",
                                "29:34": "changed_after_deadline"}),
    ("2016-09-29T23:59:59", {"23:10": "single_option_changed"}),
])  # fmt: skip
def test_against_threshold_changes(now: str, expect: dict[str, str]) -> None:
    new = str(DATA / "against_changed.yaml")
    code, out, _ = run(new, "--against", str(DATA / "valid.yaml"), "--now", now, "--format", "json")
    assert code == (1 if expect else 0)
    got = {f"{p['line']}:{p['column']}": p["type"] for p in json.loads(out)["problems"]}
    assert got == expect


def test_against_a_deadline_moved_in_the_same_change_does_not_reopen_it() -> None:
    new = str(DATA / "against_moved_deadline.yaml")
    code, _, err = run(new, "--against", str(DATA / "valid.yaml"), "--now", "2016-10-01T00:00")
    assert code == 1
    found = where(err, new)
    assert sorted(found) == ["18:10", "23:10", "29:34"]
    assert "after the threshold edit deadline (2016-09-30T00:00)" in found["29:34"]


@pytest.mark.parametrize(("now", "code"), [("2016-09-01T21:59", 0), ("2016-09-01T22:00", 1)])
def test_against_a_group_added_to_a_single_option_category(now: str, code: int) -> None:
    new = str(DATA / "against_single_grows.yaml")
    got, _, err = run(new, "--against", str(DATA / "valid.yaml"), "--now", now)
    assert got == code
    if code:
        assert where(err, new)["24:10"].startswith("group 'T' of category 'snacks' is new")
        assert "offers a single group" in where(err, new)["24:10"]
    else:
        assert where(err, new) == {}


def test_against_deleted_voucher_points_at_promotions_key() -> None:
    new = str(DATA / "against_deleted.yaml")
    code, _, err = run(new, "--against", str(DATA / "valid.yaml"), "--now", "2016-08-01T00:00")
    assert code == 1
    found = where(err, new)
    assert found["39:1"].startswith("category voucher 'd11-voucher' was deleted")


def test_against_deleted_voucher_in_json() -> None:
    new = str(DATA / "against_deleted.json")
    code, _, err = run(new, "--against", str(DATA / "valid.yaml"))
    assert code == 1
    assert where(err, new)["69:3"].startswith("category voucher 'd11-voucher' was deleted")


def test_against_changed_effective_window() -> None:
    new = str(DATA / "against_effective.yaml")
    code, _, err = run(new, "--against", str(DATA / "valid.yaml"), "--now", "2016-08-01T00:00")
    assert code == 1
    assert list(where(err, new)) == ["12:49"]
    assert "the effective window changed" in where(err, new)["12:49"]


def test_against_itself_is_clean_at_any_time() -> None:
    code, _, err = run(str(DATA / "valid.yaml"), "--against", str(DATA / "valid.yaml"), "--now", "2016-11-11T10:00")
    assert code == 0, err


def test_against_an_unusable_previous_version(tmp_path: Path) -> None:
    code, _, err = run(str(DATA / "valid.yaml"), "--against", str(DATA / "schema.yaml"))
    assert code == 2
    assert "the previous version is not a valid config" in err
    assert f"{DATA / 'schema.yaml'}:4:12:" in err


def test_now_must_be_a_time() -> None:
    code, _, err = run(str(DATA / "valid.yaml"), "--against", str(DATA / "valid.yaml"), "--now", "tomorrow")
    assert code == 2
    assert "'tomorrow' is not an ISO 8601 date-time" in err


def test_pre_commit_hook_definition() -> None:
    from promocalc.io.documents import read_file

    hooks = read_file(ROOT / ".pre-commit-hooks.yaml").data
    hook = next(h for h in hooks if h["id"] == "promocalc-check")
    assert hook["entry"] == "promocalc check"
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    for name in ("promo.yaml", "config/promo-1111.yml", "promotions.json", "a/b/promo_2016.yaml"):
        assert pattern.search(name), name
    for name in ("cart.yaml", "promo.py", "docs/promo.md", "src/notpromo.yaml"):
        assert not pattern.search(name), name


def _slugs() -> set[str]:
    src = ROOT / "src" / "promocalc"
    files = [*(src / "checker").glob("*.py"), src / "model" / "semantics.py"]
    found: set[str] = set()
    for f in files:
        found |= set(re.findall(r'Problem\(\s*"([a-z_]+)"', f.read_text(encoding="utf-8")))
    found |= set(re.findall(r'type_="([a-z_]+)"', (src / "io" / "documents.py").read_text(encoding="utf-8")))
    return found


def test_docs_name_every_rule() -> None:
    docs = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    slugs = _slugs()
    assert len(slugs) > 20
    missing = sorted(s for s in slugs if f"`{s}`" not in docs)
    assert not missing
    assert "promocalc schema > promocalc.schema.json" in docs
    assert "# yaml-language-server: $schema=./promocalc.schema.json" in docs


def test_editor_schema_accepts_the_valid_config_and_flags_an_unknown_kind() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from ruamel.yaml import YAML

    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0
    validator = jsonschema.Draft202012Validator(json.loads(res.stdout))

    def plain(path: Path) -> object:
        """The document as an editor's YAML language server sees it (numbers as numbers)."""
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))

    assert list(validator.iter_errors(plain(DATA / "valid.yaml"))) == []
    assert list(validator.iter_errors(plain(DATA / "schema.yaml")))
