"""Quote JSON for generated carts, to prove a change to the engine leaves every figure as it was.

    python benchmarks/compare_quotes.py --write before.jsonl --n 2000   # on the code before the change
    python benchmarks/compare_quotes.py --check before.jsonl            # on the code after it

Every generated cart of each example campaign is quoted twice: as generated (the engine chooses), and with
``use`` naming the coupons that quote chose (nothing left to choose). ``--strategies N`` adds N campaigns
and carts drawn by the property tests' strategies (postage, gifts and the payment layer in half of them),
each case written with its quote, indented and compact; ``--check`` quotes those very cases again. A
cart the campaign refuses is kept as its error message. ``--check`` prints the first differences and
exits 1 when any line differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import promocalc
from promocalc.sim import CartGenerator

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CAMPAIGNS = ("double11-2016", "cross-shop-2021")


def quotes(n: int, seed: int = 3, examples: Path = EXAMPLES) -> Iterator[str]:
    """One JSON line per quote: campaign, cart index, variant and the quote's JSON (or the error)."""
    for name in CAMPAIGNS:
        campaign = promocalc.load(examples / name / "config.yaml")
        for i, cart in enumerate(CartGenerator(campaign, seed=seed, n=n)):
            for variant in ("free", "named"):
                try:
                    q = campaign.quote(cart)
                    if variant == "named":
                        chosen = [a["id"] for a in q.to_dict()["applied"] if a["id"] in cart.get("wallet", {}).get("coupons", ())]
                        q = campaign.quote({**cart, "use": chosen})
                    out = q.to_json()
                except promocalc.PromocalcError as e:
                    out = f"error: {e}"
                yield json.dumps({"campaign": name, "cart": i, "variant": variant, "quote": out}, ensure_ascii=False)


def _quote_text(config: object, cart: object) -> str:
    """A drawn case's quote JSON, indented then compact, or its error."""
    try:
        q = promocalc.load(config).quote(cart)
        return q.to_json() + "\n" + q.to_json(None)
    except promocalc.PromocalcError as e:
        return f"error: {e}"


def strategy_quotes(n: int) -> list[str]:
    """One JSON line per campaign and cart drawn by :mod:`promocalc.testing.strategies` (``n`` of them),
    the case itself included: ``--check`` quotes the very same case again, whatever the strategies draw."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from promocalc.testing import strategies

    out: list[str] = []

    @settings(derandomize=True, max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        extras = data.draw(st.booleans())
        config = data.draw(strategies.configs(extras=True) if extras else strategies.configs())
        cart = data.draw(strategies.carts(config))
        out.append(json.dumps({"strategies": len(out), "config": config, "cart": cart,
                               "quote": _quote_text(config, cart)}, ensure_ascii=False))  # fmt: skip

    draw()
    return out


def requote(line: str) -> str:
    """A written case's line with its quote made again by the code that runs now."""
    row = json.loads(line)
    row["quote"] = _quote_text(row["config"], row["cart"])
    return json.dumps(row, ensure_ascii=False)


def main() -> None:
    """Write or check the quote lines."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the lines to this file")
    group.add_argument("--check", type=Path, help="compare with the lines in this file")
    ap.add_argument("--n", type=int, default=2000, help="carts per campaign when writing (default 2000)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--strategies", type=int, default=0, help="cases drawn by the property strategies (default 0)")
    args = ap.parse_args()
    if args.write:
        with args.write.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"n": args.n, "seed": args.seed, "strategies": args.strategies}) + "\n")
            for line in quotes(args.n, args.seed):
                fh.write(line + "\n")
            for line in strategy_quotes(args.strategies) if args.strategies else ():
                fh.write(line + "\n")
        return
    with args.check.open(encoding="utf-8") as fh:
        head = json.loads(fh.readline())
        before = [line.rstrip("\n") for line in fh]
    after = list(quotes(head["n"], head["seed"]))
    after += [requote(line) for line in before[len(after):]]  # the drawn cases, as written
    bad = [(b, a) for b, a in zip(before, after) if b != a]
    if len(before) != len(after):
        bad.append((f"{len(before)} lines", f"{len(after)} lines"))
    for b, a in bad[:3]:
        print(f"before: {b[:300]}\nafter:  {a[:300]}")
    print(f"{len(after)} quotes compared, {len(bad)} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
