"""The campaign dashboard (``simulate --report``): its figures equal the SimulationResult, in a real browser too."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import promocalc
from promocalc.cli import main
from promocalc.sim import CartGenerator, simulate

ROOT = Path(__file__).resolve().parent.parent
D11 = str(ROOT / "examples" / "double11-2016" / "config.yaml")
ARTIFACTS = Path(os.environ.get("PROMOCALC_ARTIFACTS", ROOT / "tmp" / "artifacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


class Figures(HTMLParser):
    """Collects ``data-fig`` cells (key -> text), the page's ``data-rendered`` mark and any external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.figs: dict[str, str] = {}
        self.rendered: str | None = None
        self.external: list[str] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("data-fig"):
            self._key = a["data-fig"]
            self.figs[self._key] = ""
        if tag == "body" and a.get("data-rendered") is not None:
            self.rendered = a["data-rendered"]
        for k in ("src", "href"):
            if a.get(k):
                self.external.append(str(a[k]))

    def handle_endtag(self, tag: str) -> None:
        self._key = None

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.figs[self._key] += data


def figures(page: str) -> Figures:
    f = Figures()
    f.feed(page)
    return f


def expected(s: dict[str, Any]) -> dict[str, str]:
    """Every figure the page must show, from the summary."""
    out: dict[str, str] = {}
    for k in ("carts", "subtotal", "discount", "effective_discount_rate", "merchant_funded", "platform_funded",
              "payable", "gmv", "vouchers_held", "vouchers_used"):  # fmt: skip
        out[f"totals.{k}"] = str(s["totals"][k])
    for d in s["layers"]:
        for k in ("discount", "merchant_funded", "platform_funded"):
            out[f"layer.{d['layer']}.{k}"] = d[k]
    for d in s["shops"]:
        if d["carts"]:
            for k in ("carts", "subtotal", "discount", "merchant_funded", "platform_funded", "payable", "gmv"):
                out[f"shop.{d['id']}.{k}"] = str(d[k])
    for d in s["instruments"]:
        for k in ("received", "used", "orders", "gmv", "discount"):
            out[f"instrument.{d['id']}.{k}"] = str(d[k])
        for sh in d["shops"]:
            for k in ("orders", "gmv", "discount"):
                out[f"instrument_shop.{d['id']}.{sh['id']}.{k}"] = str(sh[k])
    for i, d in enumerate(s["tiers"]):
        for k in ("reached", "landed", "just_below"):
            out[f"tier.{i}.{k}"] = str(d[k])
    return out


def report(tmp_path: Path, locale: str) -> tuple[Path, dict[str, Any]]:
    page = tmp_path / f"report-{locale}.html"
    args = ["simulate", "--config", D11, "--generate", "300", "--seed", "5", "--format", "json",
            "--report", str(page), "--locale", locale]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return page, json.loads(res.stdout)


@pytest.mark.parametrize("locale", ["zh_CN", "en_US"])
def test_report_shows_the_figures_of_the_result(tmp_path: Path, locale: str) -> None:
    page, summary = report(tmp_path, locale)
    campaign = promocalc.load(D11)
    result = simulate(campaign, CartGenerator(campaign, seed=5, n=300))
    assert summary == result.summary()
    f = figures(page.read_text(encoding="utf-8"))
    assert f.figs == expected(summary)
    assert int(summary["totals"]["vouchers_held"]) > 0 and int(summary["totals"]["vouchers_used"]) > 0
    assert f.external == []  # self-contained: nothing fetched
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") >= 5
    words = ("收券张数", "引导订单数", "引导成交金额") if locale == "zh_CN" else ("Vouchers received", "Orders guided",
                                                                         "GMV of guided orders")  # fmt: skip
    assert all(w in text for w in words)


def test_report_refuses_an_unknown_locale_and_an_unwritable_path(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["simulate", "--config", D11, "--generate", "5", "--locale", "fr_FR",
                                    "--report", str(tmp_path / "r.html")])  # fmt: skip
    assert res.exit_code == 2 and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["simulate", "--config", D11, "--generate", "5",
                                    "--report", str(tmp_path / "no" / "such" / "r.html")])  # fmt: skip
    assert res.exit_code == 2 and "cannot write" in res.stderr


def browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


CONSOLE_ERROR = re.compile(r"CONSOLE.*(Uncaught|Error|error)|:ERROR:CONSOLE")


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI must have chromium (.ci/run installs it)"
    page, summary = report(tmp_path, "zh_CN")
    dom = browse(page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not CONSOLE_ERROR.search(dom.stderr), dom.stderr
    f = figures(dom.stdout)
    assert f.figs == expected(summary)
    assert f.rendered == str(len(expected(summary)))  # the page's own script ran and saw every figure
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "dashboard-zh_CN.png"
    res = browse(page, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1200,2400")
    assert res.returncode == 0 and shot.stat().st_size > 10_000, res.stderr[-2000:]
    print(f"dashboard screenshot: {shot}")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_console_errors_are_seen(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>")
    res = browse(page, tmp_path / "profile", "--dump-dom")
    assert CONSOLE_ERROR.search(res.stderr), res.stderr
