"""Message catalogs (zh_CN, en_US) and money formatting for what people read."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

LOCALES = ("zh_CN", "en_US")

MESSAGES: dict[str, dict[str, str]] = {
    "zh_CN": {
        "receipt": "结算单",
        "shop": "店铺",
        "line": "商品",
        "subtotal": "小计",
        "item": "单品优惠",
        "shop_layer": "店铺优惠",
        "coupon": "卡券",
        "platform": "跨店/平台",
        "payable": "应付",
        "postage": "运费",
        "deposit_paid": "已付定金",
        "total": "合计",
        "discount": "共优惠",
        "applied": "已享优惠",
        "not_applied": "未享优惠",
        "vouchers": "张购物券",
        "optimal": "已为您选择最优组合",
        "threshold_not_met": "再买 {gap} 可用{tiers}",
        "threshold_not_met_items": "再买 {gap} 件可用{tiers}",
        "not_in_window": "不在活动时间内",
        "preheat": "预热期仅展示，11日生效",
        "audience": "不符合参与人群",
        "one_card_kind_per_shop": "同一店铺只能使用一种卡券",
        "one_coupon_per_shop": "每笔订单限用一张店铺优惠券",
        "excluded_by": "与 {by} 不可同时使用",
        "would_go_negative": "分摊后实付≤0，不可使用",
        "not_campaign_member": "店铺未参加本次活动",
        "not_platform_eligible": "商品不参与跨店优惠",
        "presale_tail_too_small": "尾款不足以抵扣",
        "one_shop_promotion_per_order": "一笔订单仅可选择一个店铺级活动（已用 {by}）",
        "one_item_promotion_per_line": "每件商品仅享一个单品优惠（已用 {by}）",
        "not_chosen": "未选用（组合更优）",
        "not_named": "本次未选用",
        "no_vouchers_held": "没有可用的购物券",
        "no_voucher_group": "店铺未设置购物券门槛",
        "voucher_limit": "购物券张数已达上限",
        "no_allowance_balance": "津贴余额不足",
        "no_lines_in_scope": "没有适用的商品",
        "nothing_to_discount": "无可抵扣金额",
        "refund": "退款单",
        "refunded": "退款",
        "units": "件",
        "compensation": "补偿",
        "remaining": "剩余实付",
        "returned": "退回",
        "not_returned": "不退回",
        "partial_refund": "部分退款不退券",
        "after_sale": "售后退款不退券",
        "after_window": "退款完成时已过该券有效期",
        "returned_count": "{n} 张",
        "returned_amount": "{amount} 津贴",
        "policy": "规则",
        "never_returned": "该优惠不退回",
    },
    "en_US": {
        "receipt": "Receipt",
        "shop": "Shop",
        "line": "Line",
        "subtotal": "Subtotal",
        "item": "item",
        "shop_layer": "shop",
        "coupon": "coupon",
        "platform": "platform",
        "payable": "Payable",
        "postage": "Postage",
        "deposit_paid": "Deposit paid",
        "total": "Total",
        "discount": "You save",
        "applied": "Applied",
        "not_applied": "Not applied",
        "vouchers": "vouchers",
        "optimal": "best combination chosen for you",
        "threshold_not_met": "spend {gap} more for {tiers}",
        "threshold_not_met_items": "buy {gap} more items for {tiers}",
        "not_in_window": "outside its validity window",
        "preheat": "preheat: shown now, applies on the day",
        "audience": "not for this buyer",
        "one_card_kind_per_shop": "one kind of card per shop",
        "one_coupon_per_shop": "one shop coupon per order",
        "excluded_by": "does not stack with {by}",
        "would_go_negative": "would leave a line at zero or below",
        "not_campaign_member": "shop is not in the campaign",
        "not_platform_eligible": "items excluded from platform offers",
        "presale_tail_too_small": "presale tail too small",
        "one_shop_promotion_per_order": "one shop promotion per order ({by} used)",
        "one_item_promotion_per_line": "one item promotion per line ({by} used)",
        "not_chosen": "not chosen (a better combination applies)",
        "not_named": "not selected",
        "no_vouchers_held": "no vouchers held",
        "no_voucher_group": "shop has no voucher threshold",
        "voucher_limit": "voucher limit reached",
        "no_allowance_balance": "no allowance balance",
        "no_lines_in_scope": "no lines it applies to",
        "nothing_to_discount": "nothing left to discount",
        "refund": "Refund",
        "refunded": "refunded",
        "units": "units",
        "compensation": "compensation",
        "remaining": "still paid",
        "returned": "returned",
        "not_returned": "not returned",
        "partial_refund": "partial refund: vouchers and coupons are not returned",
        "after_sale": "after-sale refund: not returned",
        "after_window": "refund closed after the instrument's validity window",
        "returned_count": "{n}",
        "returned_amount": "{amount} allowance",
        "policy": "policy",
        "never_returned": "never returned",
    },
}


def text(locale: str, key: str, **kw: object) -> str:
    """The message ``key`` in ``locale``, with ``kw`` filled in."""
    table = MESSAGES.get(locale, MESSAGES["en_US"])
    return table.get(key, MESSAGES["en_US"].get(key, key)).format(**kw)


def money(amount: str | Decimal | int, locale: str) -> str:
    """``¥1,234.50`` for an amount in yuan (str/Decimal) or fen (int), formatted for ``locale``."""
    value = Decimal(amount).scaleb(-2) if isinstance(amount, int) else Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{format_decimal(abs(value), format='#,##0.00', locale=locale)}"
