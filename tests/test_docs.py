"""The documentation: the site builds strictly, every public name has a docstring, the receipts shown are
the real output, and the docs speak only of the project's own sections."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import promocalc
import promocalc.sim
from promocalc.io.documents import read_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"


def _public_objects() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    modules = [promocalc, promocalc.sim]
    if importlib.util.find_spec("hypothesis") is not None:
        modules.append(importlib.import_module("promocalc.testing"))
    for mod in modules:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            out.append((f"{mod.__name__}.{name}", obj))
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(member, (property, staticmethod, classmethod)) or inspect.isfunction(member):
                        out.append((f"{mod.__name__}.{name}.{attr}", member))
    return out


def test_every_public_name_has_a_docstring() -> None:
    objects = _public_objects()
    assert len(objects) > 40
    missing = [name for name, obj in objects if not (inspect.getdoc(obj) or "").strip()]
    assert not missing, missing


def test_the_docs_never_cite_a_document_outside_the_repository() -> None:
    texts = {p: p.read_text(encoding="utf-8") for p in [*DOCS.glob("*.md"), ROOT / "README.md", ROOT / "CHANGELOG.md"]}
    texts |= {p: p.read_text(encoding="utf-8") for p in (ROOT / "src" / "promocalc").rglob("*.py")}
    cited = [(str(p.relative_to(ROOT)), m.group(0)) for p, t in texts.items()
             for m in re.finditer(r"\bRULES(?:\.md| \d+[a-z.\d]*)|\bFORMATS(?:\.md)?\b", t)]  # fmt: skip
    assert not cited, cited


_RECEIPT = re.compile(r"<!-- receipt (\S+)/(\S+) (\S+) -->\n```text\n(.*?)```\n", re.S)


def test_the_receipts_page_shows_the_real_receipt_of_every_bundled_example() -> None:
    page = (DOCS / "receipts.md").read_text(encoding="utf-8")
    shown = _RECEIPT.findall(page)
    carts = {(p.parent.name, p.stem) for p in EXAMPLES.glob("*/cart*.yaml")}
    assert {(f, c) for f, c, _, _ in shown} == carts
    for folder, cart, locale, text in shown:
        campaign = promocalc.load(EXAMPLES / folder / "config.yaml")
        assert campaign.quote(read_file(EXAMPLES / folder / f"{cart}.yaml")).to_text(locale) == text, (folder, cart)


def test_the_refunds_page_shows_a_real_refund_receipt() -> None:
    page = (DOCS / "refunds.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- refund (\S+)/(\S+) (\S+) line (\S+) qty (\d+) (\S+) (\S+) -->\n```text\n(.*?)```\n", page, re.S)
    assert m is not None
    folder, cart, locale, line, qty, stage, closed, text = m.groups()
    campaign = promocalc.load(EXAMPLES / folder / "config.yaml")
    order = json.loads(campaign.quote(read_file(EXAMPLES / folder / f"{cart}.yaml")).to_json())
    result = campaign.refund(order, {"refunds": [{"line": line, "qty": int(qty), "stage": stage, "closed_at": closed}]})
    assert result.to_text(locale) == text


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[docs]')")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("promocalc.load", "promocalc.Quote.to_text", "promocalc.RefundResult", "promocalc.sim.simulate"):
        assert f'id="{name}"' in api, name

