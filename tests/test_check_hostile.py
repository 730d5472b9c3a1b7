"""Hostile and broken input: located problems and exit codes, never a traceback, bounded time and memory."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from promocalc.cli import main

HOSTILE = Path(__file__).resolve().parent / "data" / "check" / "hostile"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stderr


@pytest.mark.parametrize(("name", "code", "located"), [
    ("invalid.yaml", 2, "4:11: invalid YAML: while parsing a flow sequence expected ',' or ']', but got ':'"),
    ("dupkey.yaml", 2, '3:1: invalid YAML: while constructing a mapping found duplicate key "campaign"'),
    ("bomb.yaml", 2, "1:1: document expands to too many values"),
    ("pyobj.yaml", 2, "2:11: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("bigfloat.yaml", 2, "4:16: invalid value: number 1e999999 is out of range"),
    ("binary.yaml", 2, "1:1: binary file, not YAML or JSON text"),
    ("latin1.yaml", 2, "2:19: not UTF-8 text (byte 0xe9)"),
    ("empty.yaml", 2, "1:1: document is empty"),
    ("complexkey.yaml", 2, "2:3: a mapping key must be plain text or a number"),
    ("list.yaml", 1, "1:1: a config must be a mapping with 'promocalc: 1' (got list)"),
    ("ratestr.yaml", 1, "5:40: rate is out of range; it must lie strictly between 0 and 1 (promotions[0].rate)"),
    ("tzdir.yaml", 1, "2:29: unknown timezone 'Asia' (use an IANA name like 'Asia/Shanghai')"),
])  # fmt: skip
def test_hostile_file(name: str, code: int, located: str) -> None:
    path = HOSTILE / name
    t0 = time.monotonic()
    got, err = run(str(path))
    assert time.monotonic() - t0 < 10
    assert got == code
    assert f"{path}:{located}" in err


def test_python_tags_construct_nothing(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, _ = run(str(HOSTILE / "pyobj.yaml"))
    finally:
        os.chdir(cwd)
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_extreme_but_valid_times_are_fine() -> None:
    code, err = run(str(HOSTILE / "extremetimes.yaml"))
    assert code == 0, err


def test_hundred_thousand_digit_integer(tmp_path: Path) -> None:
    cfg = tmp_path / "promo.yaml"
    cfg.write_text("promocalc: 1\ncampaign: {id: x}\nshops:\n  s: {postage: " + "9" * 100_000 + "}\n")
    t0 = time.monotonic()
    code, err = run(str(cfg))
    assert time.monotonic() - t0 < 10
    assert code == 2
    assert f"{cfg}:4:16: invalid value: number 99999999999999999999... is too long" in err


@pytest.mark.parametrize("text", [
    "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
    '{"a": ' * 20_000 + "1" + "}" * 20_000,
    "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n",
])  # fmt: skip
def test_deep_nesting(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "promo.yaml"
    cfg.write_text(text)
    t0 = time.monotonic()
    code, err = run(str(cfg))
    assert time.monotonic() - t0 < 15
    assert code == 2
    assert "nesting" in err and f"{cfg}:" in err


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    cfg = tmp_path / "promo.yaml"
    with cfg.open("wb") as fh:
        fh.truncate(16 * 1024 * 1024 + 1)
    code, err = run(str(cfg))
    assert code == 2
    assert f"{cfg}:1:1: file is larger than 16 MiB" in err


def test_unreadable_path() -> None:
    name = "x" * 5000 + ".yaml"
    code, err = run(name)
    assert code == 2
    assert f"{name}:1:1: cannot read the file" in err


def test_hostile_previous_version() -> None:
    code, err = run(str(HOSTILE.parent / "valid.yaml"), "--against", str(HOSTILE / "bomb.yaml"))
    assert code == 2
    assert f"{HOSTILE / 'bomb.yaml'}:1:1: document expands to too many values" in err
