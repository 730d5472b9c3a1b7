"""promocalc: exact marketplace promotion pricing.

Load a campaign once, price carts with it::

    import promocalc
    campaign = promocalc.load("config.yaml")
    quote = campaign.quote(cart)          # a Quote; quote.to_dict() is the quote of docs/formats.md
    result = campaign.refund(quote, refunds)
    advice = campaign.advise(cart, catalog)  # 凑单: what to add so a threshold pays off
"""

from .advise import Advice
from .campaign import Campaign, load
from .errors import CartError, ConfigError, InputError, Problem, PromocalcError
from .model.cart import Cart
from .quote import Quote
from .refunds import RefundResult
from .sim import simulate

__all__ = [
    "Advice",
    "Campaign",
    "Cart",
    "CartError",
    "ConfigError",
    "InputError",
    "Problem",
    "PromocalcError",
    "Quote",
    "RefundResult",
    "load",
    "simulate",
]
__version__ = "0.1.0"
