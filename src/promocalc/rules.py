"""Campaigns as Python objects: the validated, frozen rule models, for checkout services, notebooks and CI.

Every promotion kind of the config format is a class here; build them with keywords, compose a
campaign, and price with it::

    from promocalc import Campaign
    from promocalc.rules import Every, Money, Shop, ShopCoupon, ShopReduction, CrossShopReduction

    campaign = Campaign.build(
        "spring-sale",
        shops={"shop-a": Shop(name="甲店", campaign_member=True, cross_shop_tier="300-30")},
        promotions=[
            ShopReduction(id="a-mj", shop="shop-a", tiers=["300-20", "500-50"]),
            ShopCoupon(id="a-c10", shop="shop-a", tiers=["199-10"]),
            CrossShopReduction(id="allowance", every=Every("300-30", max_off="600"), balance_capped=True),
        ],
    )

The objects validate exactly as the config loader does: a bad value raises
:class:`~promocalc.ConfigError` whose ``problems`` name the field (``tiers[1].off``). Money is a
string of yuan (``"19.90"``), a :class:`~decimal.Decimal`, a whole number of yuan as in a config
file, or a :class:`Money` (``Money.fen(1990)``); a ``float`` is always refused. Tiers are written
``"300-20"`` or built as ``Tier("300-20")``; a repeating tier is ``Every("400-50", max_off=...)``.

:meth:`CampaignConfig.to_yaml` and :meth:`CampaignConfig.to_json` give the text of a config file
that ``promocalc check`` and :func:`promocalc.load` accept; :func:`promocalc.load` also takes a
:class:`CampaignConfig` directly.
"""

from __future__ import annotations

from .model.config import (
    AmountOffPromotion as ItemAmountOff,
)
from .model.config import (
    Audience,
    Calendar,
    CampaignInfo,
    Category,
    CategoryCoupon,
    CategoryVoucher,
    CrossShopReduction,
    Every,
    ItemCoupon,
    QuantityDeal,
    Scope,
    Shop,
    ShopCoupon,
    ShopRedPacket,
    ShopReduction,
)
from .model.config import (
    Config as CampaignConfig,
)
from .model.config import (
    ItemsTier as QuantityTier,
)
from .model.config import (
    MoneyTier as Tier,
)
from .model.config import (
    PricePromotion as ItemPrice,
)
from .model.config import (
    RatePromotion as ItemRate,
)
from .model.config import (
    WindowModel as Window,
)
from .money import Money, Rounding

PROMOTIONS = (
    ItemPrice, ItemRate, ItemAmountOff, ShopReduction, QuantityDeal, ShopCoupon, ItemCoupon, ShopRedPacket,
    CategoryVoucher, CrossShopReduction, CategoryCoupon,
)  # fmt: skip
"""Every promotion class, item layer first, platform layer last."""

__all__ = [
    "PROMOTIONS",
    "Audience",
    "Calendar",
    "CampaignConfig",
    "CampaignInfo",
    "Category",
    "CategoryCoupon",
    "CategoryVoucher",
    "CrossShopReduction",
    "Every",
    "ItemAmountOff",
    "ItemCoupon",
    "ItemPrice",
    "ItemRate",
    "Money",
    "QuantityDeal",
    "QuantityTier",
    "Rounding",
    "Scope",
    "Shop",
    "ShopCoupon",
    "ShopRedPacket",
    "ShopReduction",
    "Tier",
    "Window",
]
