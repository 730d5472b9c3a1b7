"""The campaign config (``promocalc: 1``) as frozen pydantic models, validated once at the edge."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from ..errors import Problem
from ..money import Money as MoneyValue
from ..money import Rounding, fmt, to_fen, to_rate
from .fields import suggest

_MONEY_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"},
        {"type": "number", "minimum": 0, "multipleOf": 0.01},
    ],
    "description": "yuan, at most two decimals",
}

Money = Annotated[
    int, BeforeValidator(to_fen), WithJsonSchema(_MONEY_SCHEMA), PlainSerializer(fmt, return_type=str, when_used="json")
]
"""Money in yuan at the edge, held as integer fen; written back as a yuan string."""


def _rate(v: object) -> Decimal:
    return Decimal(to_rate(v).numerator) / Decimal(to_rate(v).denominator)


Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
]

_TIER_RE = re.compile(r"^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$")


def _tier(v: object) -> object:
    if isinstance(v, str):
        m = _TIER_RE.match(v)
        if not m:
            raise ValueError(f"tier {v!r} is not written 'SPEND-OFF' like '300-20'")
        return {"spend": m.group(1), "off": m.group(2)}
    return v


def _yuan_text(fen: int) -> str:
    """Fen as the short yuan text of a tier: ``30000 -> "300"``, ``29950 -> "299.50"``."""
    text = fmt(fen)
    return text[:-3] if text.endswith(".00") else text


def _is_money(annotation: Any, metadata: list[Any]) -> bool:
    """Whether a field holds fen (its validator is :func:`~promocalc.money.to_fen`)."""
    for m in metadata:
        if isinstance(m, BeforeValidator) and m.func is to_fen:
            return True
    stack = [annotation]
    while stack:
        a = stack.pop()
        if a is Money:
            return True
        stack.extend(getattr(a, "__args__", ()))
    return False


class _Frozen(BaseModel):
    """Frozen, strict models; built from Python, a bad value raises :class:`~promocalc.ConfigError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    friendly_name: ClassVar[str | None] = None
    """The name :mod:`promocalc.rules` gives the class, used by ``repr``."""

    def __repr_name__(self) -> str:
        return self.friendly_name or type(self).__name__

    def __init__(self, /, *args: Any, **data: Any) -> None:
        if args:
            data = self._from_args(*args, **data)
        kind = self._kind()
        if kind is not None:
            data.setdefault("kind", kind)
        try:
            super().__init__(**data)
        except ValidationError as e:
            from ..errors import ConfigError, raise_problems

            raise_problems(ConfigError, validation_problems(e))
            raise  # pragma: no cover - a validation error always carries a problem

    # Validation of nested data (the loader's path) goes straight to pydantic and collects every
    # problem; only a direct call from Python runs the conversions above.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def _from_args(cls, *args: Any, **data: Any) -> dict[str, Any]:
        raise TypeError(f"{cls.__name__}() takes keyword arguments only")

    @classmethod
    def _kind(cls) -> str | None:
        field = cls.model_fields.get("kind")
        if field is None:
            return None
        args = getattr(field.annotation, "__args__", ())
        return args[0] if len(args) == 1 and isinstance(args[0], str) else None

    def __repr_args__(self) -> Any:
        money = {n for n, f in type(self).model_fields.items() if _is_money(f.annotation, f.metadata)}
        for name in type(self).model_fields:
            if name == "kind" or name not in self.model_fields_set:
                continue
            value = getattr(self, name)
            yield name, (MoneyValue.fen(value) if name in money and isinstance(value, int) else value)

    def to_dict(self) -> dict[str, Any]:
        """The fields that were given, as plain config data (money as yuan strings), ready for YAML or JSON."""
        out: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        if "kind" in out:  # a promotion reads best as id, kind, then the rest
            head = {k: out.pop(k) for k in ("id", "kind") if k in out}
            out = {**head, **out}
        return out


class MoneyTier(_Frozen):
    """``{spend, off}`` (满spend减off) or ``{spend, rate}`` (满spend打rate折); written ``"300-20"``.

    From Python: ``Tier("300-20")``, ``Tier(spend="300", off="20")`` or ``Tier(spend="300", rate="0.9")``.
    """

    spend: Money
    off: Money | None = None
    rate: Rate | None = None

    @classmethod
    def _from_args(cls, *args: Any, **data: Any) -> dict[str, Any]:
        if len(args) != 1 or not isinstance(args[0], str) or data:
            raise TypeError("Tier() takes one text like '300-20', or spend= with off= or rate=")
        text = _tier(args[0])
        if not isinstance(text, dict):  # pragma: no cover - _tier returns a mapping or raises
            raise TypeError("Tier() takes one text like '300-20'")
        return text

    @model_serializer(mode="wrap", when_used="json")
    def _text(self, handler: SerializerFunctionWrapHandler) -> Any:
        if self.off is not None and self.model_fields_set >= {"spend", "off"}:
            return f"{_yuan_text(self.spend)}-{_yuan_text(self.off)}"
        return handler(self)

    def __repr__(self) -> str:
        if self.off is not None:
            return f"Tier('{_yuan_text(self.spend)}-{_yuan_text(self.off)}')"
        return f"Tier(spend='{_yuan_text(self.spend)}', rate='{self.rate}')"

    def __str__(self) -> str:
        return repr(self)[6:-2] if self.off is not None else f"{_yuan_text(self.spend)}@{self.rate}"


class Every:
    """A repeating tier (每满400减50), optionally capped: ``Every("400-50", max_off="300.00")``.

    Give it as ``every=`` of a :class:`ShopReduction` or a :class:`CrossShopReduction`; it sets both the
    promotion's ``every`` and its ``max_off``.
    """

    __slots__ = ("max_off", "tier")

    def __init__(self, tier: str | MoneyTier, *, max_off: Any = None) -> None:
        self.tier = tier if isinstance(tier, MoneyTier) else MoneyTier(tier)
        self.max_off = max_off

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "max_off"):
            raise AttributeError("Every is immutable")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        cap = f", max_off={MoneyValue.fen(to_fen(self.max_off))!r}" if self.max_off is not None else ""
        return f"Every('{self.tier}'{cap})"

    @model_validator(mode="after")
    def _one_benefit(self) -> MoneyTier:
        if (self.off is None) == (self.rate is None):
            raise ValueError("a tier gives exactly one of 'off' or 'rate'")
        if self.spend <= 0:
            raise ValueError("a tier's spend must be above 0")
        return self


TierSpec = Annotated[
    MoneyTier,
    BeforeValidator(_tier),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+(\.\d{1,2})?-\d+(\.\d{1,2})?$"},
                {"type": "object", "properties": {"spend": _MONEY_SCHEMA, "off": _MONEY_SCHEMA, "rate": {"type": "number"}}},
            ]
        }
    ),
]


class ItemsTier(_Frozen):
    """A quantity tier: ``{items: 2, rate: 0.9}`` (满2件9折) or ``{items: 2, off: 99}`` (第二件…)."""

    friendly_name: ClassVar[str | None] = "QuantityTier"

    items: int = Field(ge=1, le=100_000)
    off: Money | None = None
    rate: Rate | None = None

    @model_validator(mode="after")
    def _one_benefit(self) -> ItemsTier:
        if (self.off is None) == (self.rate is None):
            raise ValueError("a tier gives exactly one of 'off' or 'rate'")
        return self


Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class WindowModel(_Frozen):
    """A half-open time window ``[start, end)``; naive times are in the campaign timezone."""

    friendly_name: ClassVar[str | None] = "Window"

    start: Time | None = None
    end: Time | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso(cls, v: object) -> object:
        from datetime import datetime

        if v is None:
            return v
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        if not isinstance(v, str):
            raise ValueError(f"time {v!r} is not an ISO 8601 date-time string")
        try:
            datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"time {v!r} is not an ISO 8601 date-time like '2016-11-11T10:00'") from None
        return v


class Calendar(_Frozen):
    """The campaign calendar: setup, edit deadline, preheat (shown) and effective (applied)."""

    threshold_setup: WindowModel | None = None
    threshold_edit_deadline: Time | None = None
    preheat: WindowModel | None = None
    effective: WindowModel | None = None


class Scope(_Frozen):
    """Which lines a promotion covers; all given parts must match."""

    # tuples, not lists: a tuple of texts is never walked by the cyclic garbage collector, and a large
    # campaign's scopes would otherwise be walked at every full collection of the process
    items: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    exclude_items: tuple[str, ...] = ()


class Vip88(_Frozen):
    """The campaign's 88VIP setting: the rate paid (9.5折 = ``0.95``) on tagged lines or lines in ``scope``."""

    rate: Rate = Decimal("0.95")
    scope: Scope | None = None


class CampaignInfo(_Frozen):
    """The ``campaign:`` block."""

    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    currency: Literal["CNY"] = "CNY"
    timezone: str = "Asia/Shanghai"
    ruleset: Literal["sequential", "parallel"] = "sequential"
    negative_lines: Literal["cap", "reject"] = "cap"
    calendar: Calendar | None = None
    vip88: Vip88 | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            if len(v) > 64:
                raise ValueError
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder such as 'Asia' raises OSError
            raise ValueError(f"unknown timezone {v!r} (use an IANA name like 'Asia/Shanghai')") from None
        return v


class Category(_Frozen):
    """A first-level category and the voucher threshold groups offered for it."""

    name: str | None = None
    voucher_groups: dict[str, list[TierSpec]] = Field(default_factory=dict)


COIN_RATES = (Decimal("0.02"), Decimal("0.05"), Decimal("0.1"))


class Coins(_Frozen):
    """A shop's 淘金币 deduction: up to ``rate`` (0.02, 0.05 or 0.10) of a line's price after item discounts."""

    rate: Rate
    scope: Scope | None = None

    @field_validator("rate")
    @classmethod
    def _allowed(cls, v: Decimal) -> Decimal:
        if v not in COIN_RATES:
            raise ValueError(f"a coin rate is one of 0.02, 0.05 or 0.10, got {v}")
        return v


class Shop(_Frozen):
    """A shop: membership, voucher group choices, own cross-shop tier, postage, coins, customer groups."""

    name: str | None = None
    campaign_member: bool = False
    voucher_groups: dict[str, str] = Field(default_factory=dict)
    cross_shop_tier: TierSpec | dict[str, TierSpec] | None = None
    postage: Money = 0
    coins: Coins | None = None
    customer_groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # tuples: as in Scope


LEVELS = ("normal", "fine", "premium", "bluebook", "diamond", "vip")


class Audience(_Frozen):
    """Who may use a promotion: a minimum member level and customer groups."""

    min_level: Literal["normal", "fine", "premium", "bluebook", "diamond", "vip"] | None = None
    include_groups: list[str] = Field(default_factory=list)
    exclude_groups: list[str] = Field(default_factory=list)


Funder = Literal["merchant", "platform"]
Returns = Literal["all_or_nothing", "per_order", "never"]


class _Promotion(_Frozen):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    valid: WindowModel | list[WindowModel] | None = None
    audience: Audience | None = None
    funded_by: Funder | None = None
    counts_toward_lowest_price: bool = True
    returns: Returns | None = None
    excludes: list[str] = Field(default_factory=list)
    scope: Scope | None = None

    @model_validator(mode="before")
    @classmethod
    def _every(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("every"), Every):
            e = data["every"]
            data = {**data, "every": e.tier}
            if e.max_off is not None:
                if data.get("max_off") is not None:
                    raise ValueError("give max_off once: in Every(...) or on the promotion")
                data["max_off"] = e.max_off
        return data


class _ShopPromotion(_Promotion):
    shop: str


class _ItemLevel(_ShopPromotion):
    campaign_price: bool = False
    limit_qty: int | None = Field(default=None, ge=1, le=1_000_000)


class PricePromotion(_ItemLevel):
    """Layer 1: a set unit price (大促价 when ``campaign_price``)."""

    friendly_name: ClassVar[str | None] = "ItemPrice"

    kind: Literal["price"]
    price: Money


class RatePromotion(_ItemLevel):
    """Layer 1: unit price × rate, rounded per unit by ``rounding``."""

    friendly_name: ClassVar[str | None] = "ItemRate"

    kind: Literal["rate"]
    rate: Rate
    rounding: Rounding = Rounding.HALF_UP


class AmountOffPromotion(_ItemLevel):
    """Layer 1: unit price minus ``off``, floored at zero."""

    friendly_name: ClassVar[str | None] = "ItemAmountOff"

    kind: Literal["amount_off"]
    off: Money


class _Tiered(_ShopPromotion):
    tiers: list[TierSpec] | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _needs_tiers(self) -> Any:
        if self.tiers is None and getattr(self, "every", None) is None:
            raise ValueError("give 'tiers' (stepped) or 'every' (repeating)")
        if self.tiers is not None and getattr(self, "every", None) is not None:
            raise ValueError("give either 'tiers' or 'every', not both")
        return self


class ShopReduction(_Tiered):
    """Layer 2: 店铺满减, stepped tiers or repeating ``every`` with ``max_off``."""

    kind: Literal["shop_reduction"]
    every: TierSpec | None = None
    max_off: Money | None = None


class QuantityDeal(_ShopPromotion):
    """Layer 2: 满件折 / 第N件, tiers counted in units."""

    kind: Literal["quantity_deal"]
    tiers: list[ItemsTier] = Field(min_length=1, max_length=20)


class ShopCoupon(_Tiered):
    """Layer 3: a shop coupon (店铺优惠券), 满X减Y over the shop's lines in scope."""

    kind: Literal["shop_coupon"]


class ItemCoupon(_Tiered):
    """Layer 3: an item coupon (商品优惠券); its scope names exactly one item."""

    kind: Literal["item_coupon"]


class ShopRedPacket(_ShopPromotion):
    """Layer 3: a shop red packet (店铺红包): ``off`` with no threshold."""

    kind: Literal["shop_red_packet"]
    off: Money


class CategoryVoucher(_Promotion):
    """Layer 4: the category voucher (天猫购物券), pooled over identical threshold groups."""

    kind: Literal["category_voucher"]
    face_value: Money = 1000
    max_per_checkout: int = Field(default=30, ge=1, le=1000)
    presale_tail: Literal["strict", "inclusive"] = "strict"


class CrossShopReduction(_Promotion):
    """Layer 4: 跨店满减 (``every``), or the allowance (购物津贴) when ``balance_capped``."""

    kind: Literal["cross_shop_reduction"]
    every: TierSpec
    max_off: Money | None = None
    balance_capped: bool = False


class CategoryCoupon(_Promotion):
    """Layer 4: a category coupon (品类券) over the categories in scope, across shops."""

    kind: Literal["category_coupon"]
    tiers: list[TierSpec] = Field(min_length=1, max_length=20)


REGION_RE = re.compile(r"^[0-9]{6}$")


class _Reached(_ShopPromotion):
    """A shop promotion reached by ``spend`` or ``items`` on the lines' price after item discounts."""

    spend: Money | None = None
    items: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _one_threshold(self) -> Any:
        if (self.spend is None) == (self.items is None):
            raise ValueError("give exactly one of 'spend' (满X元) or 'items' (满N件)")
        return self


class FreePostage(_Reached):
    """满X元包邮 / 满N件包邮: waives the shop's postage; buyers in ``exclude_regions`` still pay it."""

    kind: Literal["free_postage"]
    exclude_regions: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("exclude_regions")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for code in v:
            if not isinstance(code, str) or not REGION_RE.match(code):
                raise ValueError(f"region {code!r} is not a six-digit region code like '650000'")
        return v


class GiftItem(_Frozen):
    """One gift of a :class:`Gift` promotion: the item, how many, and its declared value per unit."""

    item: str = Field(min_length=1, max_length=200)
    qty: int = Field(default=1, ge=1, le=1000)
    value: Money


class Gift(_Reached):
    """满赠: reaching the threshold adds the gifts to the shop order as lines of price 0.00."""

    kind: Literal["gift"]
    gifts: list[GiftItem] = Field(min_length=1, max_length=20)


class PlatformRedPacket(_Promotion):
    """天猫红包: tender of ``face_value`` per packet in the payment layer, optionally from a ``spend``."""

    kind: Literal["platform_red_packet"]
    face_value: Money
    spend: Money = 0
    max_per_checkout: int = Field(default=10, ge=1, le=10)

    @field_validator("face_value")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("a red packet's face_value must be above 0")
        return v


PROMOTION_KINDS = {
    "price": PricePromotion,
    "rate": RatePromotion,
    "amount_off": AmountOffPromotion,
    "shop_reduction": ShopReduction,
    "quantity_deal": QuantityDeal,
    "shop_coupon": ShopCoupon,
    "item_coupon": ItemCoupon,
    "shop_red_packet": ShopRedPacket,
    "category_voucher": CategoryVoucher,
    "cross_shop_reduction": CrossShopReduction,
    "category_coupon": CategoryCoupon,
    "free_postage": FreePostage,
    "gift": Gift,
    "platform_red_packet": PlatformRedPacket,
}

Promotion = Annotated[
    Union[tuple(Annotated[cls, Tag(kind)] for kind, cls in PROMOTION_KINDS.items())],  # type: ignore[valid-type]  # noqa: UP007
    Discriminator("kind"),
]


class Config(_Frozen):
    """A whole campaign config document (``promocalc: 1``)."""

    friendly_name: ClassVar[str | None] = "CampaignConfig"

    promocalc: Literal[1]
    campaign: CampaignInfo
    categories: dict[str, Category] = Field(default_factory=dict)
    shops: dict[str, Shop] = Field(default_factory=dict)
    promotions: list[Promotion] = Field(default_factory=list, max_length=100_000)  # type: ignore[valid-type]

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (``promocalc: 1`` first, money as yuan strings)."""
        out = super().to_dict()
        out["promocalc"] = self.promocalc
        out["promotions"] = [
            {**{k: p[k] for k in ("id", "kind") if k in p}, **p} for p in out.get("promotions", [])
        ]
        return {"promocalc": out.pop("promocalc"), **out}

    def to_json(self, indent: int | None = 2) -> str:
        """The config as JSON text that ``promocalc check`` and :func:`promocalc.load` accept."""
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    def to_yaml(self) -> str:
        """The config as YAML text that ``promocalc check`` and :func:`promocalc.load` accept."""
        import io

        from ruamel.yaml import YAML

        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.allow_unicode = True
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
        buf = io.StringIO()
        yaml.dump(self.to_dict(), buf)
        return buf.getvalue()


def validation_problems(err: ValidationError) -> list[Problem]:
    """Pydantic errors as :class:`Problem` objects, discriminator tags removed from their paths."""
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        if len(loc) > 2 and loc[0] == "promotions" and loc[2] in PROMOTION_KINDS:
            loc = loc[:2] + loc[3:]
        loc = tuple(x for x in loc if not (isinstance(x, str) and x.startswith("function-")))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "union_tag_invalid":
            tag = str(e.get("ctx", {}).get("tag", ""))
            msg = f"unknown kind {tag!r}{suggest(tag, PROMOTION_KINDS)}"
            loc = loc + ("kind",)
        elif e["type"] == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}"
        elif e["type"] == "missing":
            msg = f"missing field {loc[-1]!r}"
        elif "input" in e and e["type"] not in ("value_error",):
            msg = f"{msg} (got {e['input']!r})" if not isinstance(e["input"], (dict, list)) else msg
        out.append(Problem(e["type"], loc, msg))
    return out
