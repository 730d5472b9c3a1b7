"""A checkout service on promocalc: FastAPI over the campaigns of a folder.

Run it (the ``service`` extra: ``pip install -e ".[service]"``)::

    PROMOCALC_CAMPAIGNS=examples/double11-2016 uvicorn app:app --app-dir examples/service --host 127.0.0.1

Endpoints:

- ``POST /quote``   ``{"campaign": ID, "cart": {...}}`` -> the quote (the order record)
- ``POST /refund``  ``{"campaign": ID, "order": QUOTE, "refunds": [...], "policy": ...}`` -> the refund result
- ``GET /campaigns`` the campaigns served, with the file each came from
- ``GET /health``   ``{"status": "ok", "campaigns": N}``

Every config file of the folder (``*.yaml``, ``*.yml``, ``*.json`` with a ``promocalc:`` key; other
documents such as carts are skipped) is loaded at start. A file that
changes is loaded again and swapped in whole; a new version that is invalid is refused, its problems
are logged, and the previous version keeps serving. Bad requests get HTTP 422 with the problems as
JSON, each with its location. Request bodies are read with exact decimals: no float carries money.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

import promocalc
from promocalc import Campaign, PromocalcError
from promocalc.io.documents import read_file

log = logging.getLogger("promocalc.service")
SUFFIXES = (".yaml", ".yml", ".json")
MAX_BODY = 4 * 1024 * 1024


@dataclass(frozen=True)
class Loaded:
    """One served campaign and the file version it came from."""

    campaign: Campaign
    path: str
    mtime_ns: int
    size: int
    loaded_at: float


class Registry:
    """The campaigns of a folder; ``refresh`` reloads changed files and swaps the whole table at once."""

    def __init__(self, folder: str | Path, min_interval: float = 1.0) -> None:
        self.folder = Path(folder)
        self.min_interval = min_interval
        self._table: dict[str, Loaded] = {}
        self._by_path: dict[str, tuple[int, int]] = {}  # versions seen, valid or not, so a bad file is logged once
        self._lock = threading.Lock()
        self._checked = 0.0
        self.refresh(force=True)

    @property
    def campaigns(self) -> dict[str, Loaded]:
        """The table being served (never changed in place)."""
        return self._table

    def refresh(self, force: bool = False) -> None:
        """Load new and changed config files; keep the old version of any file whose new one is invalid."""
        now = time.monotonic()
        if not force and now - self._checked < self.min_interval:
            return
        with self._lock:
            self._checked = now
            table = dict(self._table)
            changed = False
            for path in sorted(p for p in self.folder.iterdir() if p.suffix in SUFFIXES and p.is_file()):
                st = path.stat()
                version = (st.st_mtime_ns, st.st_size)
                if self._by_path.get(str(path)) == version:
                    continue
                self._by_path[str(path)] = version
                try:
                    doc = read_file(str(path))
                    if not (isinstance(doc.data, dict) and "promocalc" in doc.data):
                        log.debug("%s: no 'promocalc' key, not a campaign config", path)
                        continue
                    campaign = promocalc.load(doc)
                except PromocalcError as e:
                    for p in e.problems or []:
                        log.error("%s: %s: %s (kept the version being served)", path, p.path(), p.message)
                    if not e.problems:
                        log.error("%s: %s (kept the version being served)", path, e)
                    continue
                old = next((k for k, v in table.items() if v.path == str(path)), None)
                if old is not None and old != campaign.id:
                    del table[old]
                table[campaign.id] = Loaded(campaign, str(path), st.st_mtime_ns, st.st_size, time.time())
                log.info("%s: serving campaign %s", path, campaign.id)
                changed = True
            if changed:
                self._table = table  # one reference swap: a request sees the old table or the new one


def problems_json(err: PromocalcError) -> list[dict[str, Any]]:
    """The problems of an error as JSON: type, location (list and path) and message."""
    out = [{"type": p.type, "loc": list(p.loc), "path": p.path(), "message": p.message} for p in err.problems]
    return out or [{"type": "invalid", "loc": [], "path": "<root>", "message": str(err)}]


def _unprocessable(problems: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"problems": problems}, status_code=422)


def _problem(path: str, message: str, type_: str = "invalid") -> JSONResponse:
    loc: list[Any] = [] if path == "<root>" else [path]
    return _unprocessable([{"type": type_, "loc": loc, "path": path, "message": message}])


def create_app(folder: str | Path, min_interval: float = 1.0) -> FastAPI:
    """The service over the config files of ``folder`` (checked for changes at most every ``min_interval`` s)."""
    registry = Registry(folder, min_interval)
    app = FastAPI(title="promocalc checkout service")
    app.state.registry = registry

    async def body(request: Request) -> dict[str, Any] | JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _problem("<root>", f"request body over {MAX_BODY} bytes", "too_large")
        try:
            data = json.loads(raw, parse_float=Decimal, parse_constant=lambda c: _refuse(c))
        except (ValueError, RecursionError) as e:
            return _problem("<root>", f"body is not JSON: {e}", "json")
        if not isinstance(data, dict):
            return _problem("<root>", "body must be a JSON object")
        return data

    def campaign_of(data: dict[str, Any]) -> Campaign | JSONResponse:
        registry.refresh()
        cid = data.get("campaign")
        if not isinstance(cid, str):
            return _problem("campaign", "missing field 'campaign' (a campaign id)", "missing")
        loaded = registry.campaigns.get(cid)
        if loaded is None:
            known = ", ".join(sorted(registry.campaigns)) or "none"
            return _problem("campaign", f"unknown campaign {cid!r} (served: {known})", "unknown_campaign")
        return loaded.campaign

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness: the number of campaigns served."""
        return {"status": "ok", "campaigns": len(registry.campaigns)}

    @app.get("/campaigns")
    def campaigns() -> dict[str, Any]:
        """The campaigns served and the file version each came from."""
        registry.refresh()
        return {"campaigns": [
            {"id": cid, "name": v.campaign.config.campaign.name, "file": os.path.basename(v.path),
             "promotions": len(v.campaign.config.promotions), "shops": len(v.campaign.config.shops),
             "loaded_at": v.loaded_at}
            for cid, v in sorted(registry.campaigns.items())
        ]}  # fmt: skip

    @app.post("/quote")
    async def quote(request: Request) -> Any:
        """Price a cart: ``{"campaign": ID, "cart": {...}}``."""
        data = await body(request)
        if isinstance(data, JSONResponse):
            return data
        campaign = campaign_of(data)
        if isinstance(campaign, JSONResponse):
            return campaign
        if "cart" not in data:
            return _problem("cart", "missing field 'cart'", "missing")
        try:
            q = campaign.quote(data["cart"], at=data.get("at"))
        except PromocalcError as e:
            return _unprocessable([{**p, "loc": ["cart", *p["loc"]], "path": f"cart.{p['path']}"}
                                   for p in problems_json(e)])  # fmt: skip
        return _json(q.to_json(indent=None))

    @app.post("/refund")
    async def refund(request: Request) -> Any:
        """Refund against an order: ``{"campaign": ID, "order": QUOTE, "refunds": [...], "policy": ...}``."""
        data = await body(request)
        if isinstance(data, JSONResponse):
            return data
        campaign = campaign_of(data)
        if isinstance(campaign, JSONResponse):
            return campaign
        for key in ("order", "refunds"):
            if key not in data:
                return _problem(key, f"missing field {key!r}", "missing")
        try:
            result = campaign.refund(data["order"], {"refunds": data["refunds"], "policy": data.get("policy")})
        except PromocalcError as e:
            return _unprocessable(problems_json(e))
        return _json(result.to_json(indent=None))

    return app


def _json(text: str) -> Response:
    """A JSON response of text already written: the compact JSON of ``to_json(indent=None)`` is the text
    ``JSONResponse`` would send for ``to_dict()``, written faster."""
    return Response(text.encode("utf-8"), media_type="application/json")


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number")


def _default_app() -> FastAPI:
    folder = os.environ.get("PROMOCALC_CAMPAIGNS")
    if folder is None:
        folder = str(Path(__file__).resolve().parents[1] / "double11-2016")
    return create_app(folder)


app = _default_app()
"""The app ``uvicorn`` serves: the folder named by ``PROMOCALC_CAMPAIGNS`` (default: the Double 11 example)."""
