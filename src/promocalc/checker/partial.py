"""Meaning checks on the parts of a config that pass the schema, so that one run reports every problem.

When some promotions, shops or categories fail the schema, the config as a whole cannot be built. The
entries that failed are set aside, the rest is validated again and checked; problems that only come
from setting entries aside (a reference to a shop that failed, say) are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Problem
from ..model.semantics import check_references
from .rules import check_config
from .schema import validate

_SECTIONS = ("promotions", "shops", "categories")
_REFERENCES = {"unknown_shop", "unknown_category", "unknown_group", "unknown_promotion", "wrong_kind",
               "unknown_customer_group"}  # fmt: skip
_WHOLE_CONFIG = {"voucher_missing", "voucher_without_groups", "tier_unused", "member_without_group"}


def salvage(data: Any, schema_problems: list[Problem]) -> list[Problem]:
    """Meaning problems of the schema-valid entries of ``data`` (empty when nothing sound is left)."""
    if not isinstance(data, dict):
        return []
    bad: dict[str, set[Any]] = {s: set() for s in _SECTIONS}
    for p in schema_problems:
        if len(p.loc) < 2 or p.loc[0] not in _SECTIONS:
            return []  # the campaign or a whole section is broken: nothing sound to check against
        bad[str(p.loc[0])].add(p.loc[1])
    promos = data.get("promotions", [])
    shops = data.get("shops", {})
    cats = data.get("categories", {})
    if not isinstance(promos, list) or not isinstance(shops, dict) or not isinstance(cats, dict):
        return []
    kept = [i for i in range(len(promos)) if i not in bad["promotions"]]
    dropped_names = {k for k in bad["shops"] | bad["categories"] if isinstance(k, str)}
    for i in bad["promotions"]:
        if isinstance(i, int) and 0 <= i < len(promos) and isinstance(promos[i], dict):
            pid = promos[i].get("id")
            if isinstance(pid, str):
                dropped_names.add(pid)
    part = dict(data)
    part["promotions"] = [promos[i] for i in kept]
    part["shops"] = {k: v for k, v in shops.items() if k not in bad["shops"]}
    part["categories"] = {k: v for k, v in cats.items() if k not in bad["categories"]}
    cfg, _ = validate(part)
    if cfg is None:
        return []
    found = check_references(cfg) + check_config(cfg)
    out = []
    for p in found:
        if p.type in _WHOLE_CONFIG:
            continue
        if p.type in _REFERENCES and any(f"'{n}'" in p.message for n in dropped_names):
            continue
        out.append(_remap(p, kept))
    return out


def _remap(p: Problem, kept: list[int]) -> Problem:
    """Promotion positions of the partial config back to those of the document."""
    def back(j: Any) -> Any:
        return kept[j] if isinstance(j, int) and 0 <= j < len(kept) else j

    loc = p.loc
    if len(loc) >= 2 and loc[0] == "promotions":
        loc = (loc[0], back(loc[1])) + loc[2:]
    message = re.sub(r"promotions\[(\d+)\]", lambda m: f"promotions[{back(int(m.group(1)))}]", p.message)
    return Problem(p.type, loc, message, p.severity, p.ctx)
