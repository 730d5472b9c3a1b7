"""Message catalogs (zh_CN, en_US), locale names, plurals and money formatting for what people read."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from ..errors import Problem, PromocalcError

LOCALES = ("zh_CN", "en_US")
_ALIASES = {"zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh": "zh_CN", "en_us": "en_US", "en-us": "en_US", "en": "en_US"}
ACCEPTED = ("zh_CN", "zh-CN", "zh", "en_US", "en-US", "en")


def normalize_locale(locale: object) -> str:
    """The catalog name for ``locale``: ``zh_CN``/``zh-CN``/``zh`` or ``en_US``/``en-US``/``en`` (any case).

    Any other value raises :class:`~promocalc.PromocalcError` naming the supported locales.
    """
    if isinstance(locale, str):
        found = _ALIASES.get(locale.strip().lower())
        if found is not None:
            return found
    msg = f"unsupported locale {locale!r}: use one of {', '.join(ACCEPTED)}"
    raise PromocalcError(msg, [Problem("locale", ("locale",), msg, ctx={"supported": list(ACCEPTED)})])


def width(s: str) -> int:
    """Display width of ``s`` in a terminal: East Asian wide and full-width characters count 2."""
    if s.isascii():  # no wide, full-width or combining character is ASCII
        return len(s)
    n = len(s)
    for c in _NON_ASCII.findall(s):  # one cell each, but for these
        if unicodedata.combining(c):
            n -= 1
        elif unicodedata.east_asian_width(c) in "WF":
            n += 1
    return n


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def pad(s: str, cells: int) -> str:
    """``s`` followed by spaces up to ``cells`` display columns."""
    return s + " " * max(0, cells - width(s))


def rpad(s: str, cells: int) -> str:
    """``s`` right-aligned in ``cells`` display columns."""
    return " " * max(0, cells - width(s)) + s


# A message is text, or a mapping of plural categories (Unicode CLDR: "one", "other") to text.
Message = str | dict[str, str]

MESSAGES: dict[str, dict[str, Message]] = {
    "zh_CN": {
        # the receipt
        "receipt": "结算单",
        "shop": "店铺",
        "line": "商品",
        "subtotal": "商品小计",
        "line_payable": "应付",
        "shop_payable": "本店应付",
        "payable": "应付",
        "postage": "运费",
        "deposit_paid": "已付定金",
        "deposit_stage": "定金",
        "total": "合计",
        "discount": "共优惠",
        "applied": "已享优惠",
        "not_applied": "未享优惠",
        "optimal": "已为您选择最优组合",
        "not_optimal": "商品较多，已为您选择较优组合（未穷尽所有组合）",
        "colon": "：",
        "vouchers": "{n} 张购物券",
        "items": "{n} 件",
        # the layers, and the presale parts of the item layer
        "layer_item": "单品优惠",
        "layer_shop": "店铺优惠",
        "layer_coupon": "卡券",
        "layer_platform": "跨店/平台优惠",
        "layer_payment": "支付优惠",
        "vip88": "88VIP 会员折扣",
        "coins": "淘金币抵扣",
        "paid_coins": "淘金币抵扣",
        "paid_red_packets": "红包抵扣",
        "coins_n": "{n} 个淘金币",
        "packets": "{n} 个红包",
        "packet_left": "红包余额 {left}",
        "free_postage": "包邮",
        "gift": "赠品",
        "gift_value": "价值 {value}",
        "presale_expansion": "定金膨胀",
        "instant_off": "立减",
        # tiers as shoppers read them
        "tier_off": "满{need}减{off}",
        "tier_rate": "满{need}享{rate}折",
        "tier_items_off": "满{need}件减{off}",
        "tier_items_rate": "满{need}件{rate}折",
        "tier_every": "每满{need}减{off}",
        "tier_every_cap": "每满{need}减{off}（最多减{cap}）",
        "tier_or": "/",
        # why something did not apply
        "threshold_not_met": "再买 {gap} 可享{tiers}",
        "threshold_not_met_items": "再买 {gap} 件可享{tiers}",
        "not_in_window": "不在活动时间内",
        "inactive": "当前不可用",
        "preheat": "预热期仅展示，活动开始后生效",
        "audience": "不符合参与人群",
        "one_card_kind_per_shop": "同一店铺只能使用一种卡券",
        "one_coupon_per_shop": "每笔店铺订单限用一张店铺优惠券",
        "excluded_by": "与{by}不可同时使用",
        "would_go_negative": "分摊后实付≤0，不可使用",
        "not_campaign_member": "店铺未参加本次活动",
        "not_platform_eligible": "商品不参与跨店优惠",
        "presale_tail_too_small": "尾款不足以抵扣",
        "region_excluded": "收货地区不在包邮范围内",
        "opted_out": "已选择不使用",
        "postage_already_waived": "已享{by}包邮",
        "quota_used_up": "88VIP本月优惠额度已用完",
        "one_shop_promotion_per_order": "一笔订单仅可选择一个店铺级活动（已用{by}）",
        "one_item_promotion_per_line": "每件商品仅享一个单品优惠（已用{by}）",
        "not_chosen": "未选用（其他组合更优惠）",
        "not_named": "本次未选用",
        "no_vouchers_held": "没有可用的购物券",
        "no_voucher_group": "店铺未设置购物券门槛",
        "voucher_limit": "购物券张数已达上限",
        "no_allowance_balance": "津贴余额不足",
        "no_lines_in_scope": "没有适用的商品",
        "nothing_to_discount": "无可抵扣金额",
        # the refund receipt
        "refund": "退款单",
        "policy": "退款规则",
        "policy_proportional": "按实付比例退款",
        "policy_clawback": "按剩余商品重新计价退款",
        "stage_in_sale": "售中退款",
        "stage_after_sale": "售后退款",
        "units": "{n} 件",
        "compensation": "补偿",
        "refunded": "退款",
        "refund_total": "退款合计",
        "remaining": "仍实付",
        "returned": "退回",
        "not_returned": "不退回",
        "returned_coupon": "优惠券",
        "gift_kept": "买家保留赠品",
        "gift_back": "赠品随商品退回",
        "gift_deducted": "扣除赠品价值",
        "returned_amount": "津贴 {amount}",
        "partial_refund": "部分退款不退券",
        "after_sale": "售后退款不退券",
        "after_window": "退款完成时已过该券有效期",
        "never_returned": "该优惠不退回",
    },
    "en_US": {
        "receipt": "Receipt",
        "shop": "Shop",
        "line": "Item",
        "subtotal": "Subtotal",
        "line_payable": "Payable",
        "shop_payable": "Shop payable",
        "payable": "Payable",
        "postage": "Postage",
        "deposit_paid": "Deposit paid",
        "deposit_stage": "deposit",
        "total": "Total",
        "discount": "You save",
        "applied": "Applied",
        "not_applied": "Not applied",
        "optimal": "The best combination was chosen for you",
        "not_optimal": "A good combination was chosen (too many to try them all)",
        "colon": ": ",
        "vouchers": {"one": "{n} voucher", "other": "{n} vouchers"},
        "items": {"one": "{n} item", "other": "{n} items"},
        "layer_item": "Item discount",
        "layer_shop": "Shop discount",
        "layer_coupon": "Coupon",
        "layer_platform": "Cross-shop / platform",
        "layer_payment": "Payment",
        "vip88": "88VIP member discount",
        "coins": "Taobao coins",
        "paid_coins": "Paid with Taobao coins",
        "paid_red_packets": "Paid with red packets",
        "coins_n": "{n} coins",
        "packets": "{n} red packet(s)",
        "packet_left": "{left} left on the packet",
        "free_postage": "free shipping",
        "gift": "Gift",
        "gift_value": "worth {value}",
        "presale_expansion": "Deposit bonus",
        "instant_off": "Instant discount",
        "tier_off": "{off} off {need}",
        "tier_rate": "{pct}% off {need}",
        "tier_items_off": {"one": "{off} off {need} item", "other": "{off} off {need} items"},
        "tier_items_rate": {"one": "{pct}% off {need} item", "other": "{pct}% off {need} items"},
        "tier_every": "{off} off every {need}",
        "tier_every_cap": "{off} off every {need} (up to {cap})",
        "tier_or": " / ",
        "threshold_not_met": "spend {gap} more for {tiers}",
        "threshold_not_met_items": {"one": "buy {gap} more item for {tiers}", "other": "buy {gap} more items for {tiers}"},
        "not_in_window": "outside its validity window",
        "inactive": "not available now",
        "preheat": "preheat: shown now, applies once the campaign starts",
        "audience": "not for this buyer",
        "one_card_kind_per_shop": "one kind of card per shop",
        "one_coupon_per_shop": "one shop coupon per shop order",
        "excluded_by": "does not stack with {by}",
        "would_go_negative": "would leave a line at zero or below",
        "not_campaign_member": "the shop is not in the campaign",
        "not_platform_eligible": "the items are excluded from platform offers",
        "presale_tail_too_small": "the presale final payment is too small",
        "region_excluded": "the delivery region is outside free shipping",
        "opted_out": "not used, as the buyer chose",
        "postage_already_waived": "shipping is already free with {by}",
        "quota_used_up": "this month's 88VIP discount is used up",
        "one_shop_promotion_per_order": "one shop promotion per order ({by} used)",
        "one_item_promotion_per_line": "one item promotion per line ({by} used)",
        "not_chosen": "not chosen (a better combination applies)",
        "not_named": "not selected",
        "no_vouchers_held": "no vouchers held",
        "no_voucher_group": "the shop has no voucher threshold",
        "voucher_limit": "voucher limit reached",
        "no_allowance_balance": "no allowance balance",
        "no_lines_in_scope": "no items it applies to",
        "nothing_to_discount": "nothing left to discount",
        "refund": "Refund",
        "policy": "policy",
        "policy_proportional": "proportional to what was paid",
        "policy_clawback": "kept items repriced (clawback)",
        "stage_in_sale": "before completion",
        "stage_after_sale": "after-sale",
        "units": {"one": "{n} unit", "other": "{n} units"},
        "compensation": "compensation",
        "refunded": "refunded",
        "refund_total": "Refund total",
        "remaining": "Still paid",
        "returned": "returned",
        "not_returned": "not returned",
        "returned_coupon": "the coupon",
        "gift_kept": "The buyer keeps the gift",
        "gift_back": "The gift comes back with the goods",
        "gift_deducted": "Gift value deducted",
        "returned_amount": "{amount} allowance",
        "partial_refund": "partial refund: vouchers and coupons are not returned",
        "after_sale": "after-sale refund: not returned",
        "after_window": "the refund closed after the instrument's validity window",
        "never_returned": "never returned",
    },
}

# Every reason code a quote or a refund result can carry; each has a message in every catalog.
REASONS = (
    "threshold_not_met", "not_in_window", "inactive", "preheat", "audience", "one_card_kind_per_shop",
    "one_coupon_per_shop", "excluded_by", "would_go_negative", "not_campaign_member", "not_platform_eligible",
    "presale_tail_too_small", "one_shop_promotion_per_order", "one_item_promotion_per_line", "not_chosen",
    "not_named", "no_vouchers_held", "no_voucher_group", "voucher_limit", "no_allowance_balance",
    "no_lines_in_scope", "nothing_to_discount", "region_excluded", "opted_out", "postage_already_waived",
    "quota_used_up", "partial_refund", "after_sale", "after_window", "never_returned",
)  # fmt: skip


def _plural(locale: str, n: int) -> str:
    return "one" if locale == "en_US" and n == 1 else "other"


def text(locale: str, key: str, **kw: object) -> str:
    """The message ``key`` in a catalog locale (see :func:`normalize_locale`), with ``kw`` filled in.

    A plural message picks its form by the ``n`` (or ``gap``/``need``) argument; an unknown key is shown as is.
    """
    msg = MESSAGES[locale].get(key, key)
    if isinstance(msg, dict):
        count = kw.get("n", kw.get("gap", kw.get("need", 0)))
        msg = msg[_plural(locale, count if isinstance(count, int) else 0)]
    return msg.format(**kw)


_FEN_TEXT = re.compile(r"(-?)([0-9]{1,18})\.([0-9]{2})")
_SYMBOLS: dict[str, tuple[str, str]] = {}  # locale -> (group, decimal) symbols, as babel has them


def money(amount: str | Decimal | int, locale: str) -> str:
    """``¥1,234.50`` for an amount in yuan (str/Decimal) or fen (int), formatted for ``locale``."""
    if type(amount) is int:
        fen = amount
    else:
        m = _FEN_TEXT.fullmatch(amount) if type(amount) is str else None
        if m is None:  # anything but whole fen: babel rounds and formats it
            value = Decimal(amount).scaleb(-2) if isinstance(amount, int) else Decimal(amount)
            sign = "-" if value < 0 else ""
            return f"{sign}¥{format_decimal(abs(value), format='#,##0.00', locale=locale)}"
        fen = int(m[2]) * 100 + int(m[3])
        if m[1]:
            fen = -fen
    # whole fen, as babel writes '#,##0.00' (groups of three), without its per-call pattern and locale parsing
    symbols = _SYMBOLS.get(locale)
    if symbols is None:
        symbols = _SYMBOLS[locale] = (get_group_symbol(locale), get_decimal_symbol(locale))
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if symbols[0] == "," else f"{yuan:,}".replace(",", symbols[0])
    return f"{'-' if fen < 0 else ''}¥{whole}{symbols[1]}{cents:02d}"


def short_money(fen: int) -> str:
    """A tier amount as people write it: ``300``, ``99.90``."""
    s = f"{fen // 100}.{fen % 100:02d}"
    return s.removesuffix(".00")
