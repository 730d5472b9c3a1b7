"""The before/after quote comparison of ``benchmarks/compare_quotes.py`` on a small sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_quotes.py"
sys.path.insert(0, str(SCRIPT.parent))

import compare_quotes  # noqa: E402


def test_naming_the_chosen_coupons_prices_the_same() -> None:
    # the named variant takes the fixed path (nothing to choose), the free one the search: same figures
    rows = [json.loads(line) for line in compare_quotes.quotes(40)]
    assert len(rows) == 2 * 2 * 40
    for free, named in zip(rows[::2], rows[1::2]):
        assert (free["variant"], named["variant"]) == ("free", "named")
        a, b = json.loads(free["quote"]), json.loads(named["quote"])
        for key in ("subtotal", "discount", "payable", "lines", "shops", "postage"):
            assert a[key] == b[key], (free["campaign"], free["cart"], key)


def test_check_finds_a_changed_figure(tmp_path: Path) -> None:
    before = tmp_path / "before.jsonl"
    subprocess.run([sys.executable, str(SCRIPT), "--write", str(before), "--n", "5"], check=True)
    same = subprocess.run([sys.executable, str(SCRIPT), "--check", str(before)], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout
    lines = before.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[3])
    q = json.loads(row["quote"])
    q["payable"] = "0.01" if q["payable"] != "0.01" else "0.02"
    row["quote"] = json.dumps(q, ensure_ascii=False, indent=1)
    lines[3] = json.dumps(row, ensure_ascii=False)
    before.write_text("\n".join(lines) + "\n", encoding="utf-8")
    changed = subprocess.run([sys.executable, str(SCRIPT), "--check", str(before)], capture_output=True, text=True)
    assert changed.returncode == 1 and "1 differ" in changed.stdout


def test_drawn_cases_are_quoted_again_as_written(tmp_path: Path) -> None:
    # the check must quote the cases the first run drew, whatever the strategies draw on the second
    rows = compare_quotes.strategy_quotes(12)
    assert len(rows) == 12
    for line in rows:
        assert compare_quotes.requote(line) == line
    row = json.loads(rows[0])
    quoted = [json.loads(line)["quote"] for line in rows]
    assert any(not q.startswith("error:") for q in quoted)
    for q in quoted:
        if not q.startswith("error:"):
            indented, compact = q[: q.rindex("\n")], q[q.rindex("\n") + 1 :]
            assert json.loads(indented) == json.loads(compact)
    row["cart"]["lines"] = row["cart"]["lines"][:1] + row["cart"]["lines"]  # a changed case quotes differently
    assert compare_quotes.requote(json.dumps(row, ensure_ascii=False)) != rows[0] or row["quote"].startswith("error:")
