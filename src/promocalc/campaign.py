"""``load`` a campaign config and price carts with the compiled :class:`Campaign`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from .engine.compile import Compiled
from .engine.pricer import price_cart
from .errors import CartError, ConfigError, Problem, raise_problems
from .io.documents import Document, load_source
from .model.cart import Cart, parse_cart
from .model.config import CampaignInfo, Config, validation_problems
from .model.semantics import check_references
from . import record
from .quote import Quote
from .timeutil import MAX_EPOCH, MAX_YEAR, MIN_EPOCH, MIN_YEAR, parse_time


def parse_config(doc: Document) -> tuple[Config | None, list[Problem]]:
    """Validate a document as a config: the schema, then the references."""
    if not isinstance(doc.data, dict):
        return None, [Problem("type", (), "a config must be a mapping with 'promocalc: 1'")]
    try:
        cfg = Config.model_validate(doc.data)
    except ValidationError as e:
        return None, validation_problems(e)
    return cfg, check_references(cfg)


class Campaign:
    """A compiled campaign: immutable, picklable, safe to share between threads.

    >>> campaign = load("examples/double11-2016/config.yaml")   # doctest: +SKIP
    >>> campaign.quote(cart).payable                             # doctest: +SKIP
    """

    __slots__ = ("_c", "_fp", "_key", "config", "source")

    def __init__(self, config: Config, source: str = "<config>", signing_key: str | bytes | None = None) -> None:
        object.__setattr__(self, "config", config)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "_c", Compiled(config))
        object.__setattr__(self, "_key", record.signing_key(signing_key))
        object.__setattr__(self, "_fp", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Campaign is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Campaign, (self.config, self.source, self._key))

    @property
    def fingerprint(self) -> str:
        """A digest of the compiled config: an order record names it, and refunds check it."""
        if self._fp is None:
            object.__setattr__(self, "_fp", record.fingerprint(self.config))
        return self._fp  # type: ignore[return-value]

    @property
    def sealed(self) -> bool:
        """Whether this campaign seals its quotes and accepts only sealed order records."""
        return self._key is not None

    @property
    def id(self) -> str:
        """The campaign id."""
        return self._c.id

    @property
    def compiled(self) -> Compiled:
        """The compiled campaign the engine reads (promotions, shops, tiers, timezone); treat it as read-only."""
        return self._c

    def cart(self, cart: Any) -> Cart:
        """Validate a cart mapping against this campaign (raises :class:`CartError`); the result is reusable."""
        if isinstance(cart, Cart):
            return cart
        if isinstance(cart, Document):
            cart = cart.data
        return parse_cart(cart, self._c)

    def quote(self, cart: Any, at: Any = None) -> Quote:
        """Price a cart (mapping or :class:`Cart`) at its ``at`` time, else ``at``, else now."""
        c = self.cart(cart)
        if c.at is not None:
            t = c.at
        elif at is not None:
            t = self._time(at)
        else:
            t = time.time()
        return Quote(self._c, price_cart(self._c, c, t), (self.fingerprint, self._key))

    def _time(self, at: Any) -> float:
        """A checkout time given outside the cart: ISO text, a datetime, or epoch seconds in range."""
        try:
            if isinstance(at, (int, float)) and not isinstance(at, bool):
                if not MIN_EPOCH <= at <= MAX_EPOCH:
                    raise ValueError(f"time {at!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
                return float(at)
            return parse_time(at, self._c.tz)
        except ValueError as e:
            raise CartError(f"at: {e}", [Problem("time", ("at",), str(e))]) from None

    def advise(self, cart: Any, catalog: Any = None, *, max_units: int = 3) -> Any:
        """凑单 advice (an ``Advice``): for every threshold in play (unmet, or the next tier of one that applies),
        the gap, its scope and what reaching it costs.

        With ``catalog`` (items with shop, item, category, price), also the set of at most ``max_units`` catalog
        units reaching each gap for the smallest ``extra``, and the add-ons that lower the buyer's price per
        value, ranked. Every figure is that of :meth:`quote`; the method is in the rules page of the docs.
        """
        from .advise import advise

        return advise(self, cart, catalog, max_units=max_units)

    def refund(self, order: Any, refunds: Any, policy: str | None = None) -> Any:
        """Apply refunds to an order (a :class:`Quote` or its JSON/dict); see :mod:`promocalc.refunds`."""
        from .refunds import apply_refunds

        return apply_refunds(self, order, refunds, policy)

    @classmethod
    def build(
        cls,
        campaign: str | CampaignInfo,
        *,
        shops: Mapping[str, Any] | None = None,
        categories: Mapping[str, Any] | None = None,
        promotions: Iterable[Any] = (),
        signing_key: str | bytes | None = None,
        **settings: Any,
    ) -> Campaign:
        """Compose a campaign from :mod:`promocalc.rules` objects (or plain mappings) and compile it.

        ``campaign`` is the campaign id (with ``settings`` such as ``timezone``, ``ruleset``,
        ``calendar``, ``name``) or a :class:`~promocalc.rules.CampaignInfo`; ``signing_key`` is as for
        :func:`load`. Raises
        :class:`ConfigError` listing every problem, located by path (``promotions[2].shop``).

        >>> from promocalc.rules import Shop, ShopReduction
        >>> Campaign.build("demo", shops={"a": Shop()},
        ...                promotions=[ShopReduction(id="mj", shop="a", tiers=["300-20"])])
        <Campaign demo 1 promotions, 1 shops>
        """
        if isinstance(campaign, CampaignInfo):
            if settings:
                raise TypeError("give campaign settings either in the CampaignInfo or as keywords, not both")
            info: Any = campaign
        else:
            info = {"id": campaign, **settings}
        cfg = Config(
            promocalc=1, campaign=info, shops=dict(shops or {}), categories=dict(categories or {}),
            promotions=list(promotions),
        )  # fmt: skip
        return load(cfg, signing_key)

    def __repr__(self) -> str:
        return f"<Campaign {self._c.id} {len(self._c.promos)} promotions, {len(self._c.shops)} shops>"


def load(source: Any, signing_key: str | bytes | None = None) -> Campaign:
    """Load and compile a campaign config from a path, YAML/JSON text, or a mapping.

    A :class:`~promocalc.rules.CampaignConfig` (built from :mod:`promocalc.rules` objects) is checked
    for its references and compiled as it is.

    With ``signing_key`` (at least 16 bytes), every quote carries a ``seal`` and refunds accept only
    order records whose seal verifies. Raises :class:`ConfigError` listing every problem, or
    :class:`InputError` for unreadable input.
    """
    if isinstance(source, Config):
        doc = Document(source.to_dict(), "<python>", {})
        cfg: Config | None = source
        problems = check_references(source)
    else:
        doc = load_source(source)
        cfg, problems = parse_config(doc)
    if cfg is None or any(p.severity == "error" for p in problems):
        err_problems = problems or [Problem("invalid", (), "invalid config")]
        try:
            raise_problems(ConfigError, err_problems)
        except ConfigError as e:
            e.document = doc  # type: ignore[attr-defined]
            raise
    assert cfg is not None
    return Campaign(cfg, doc.name, signing_key)
