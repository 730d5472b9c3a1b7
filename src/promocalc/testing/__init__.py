"""Hypothesis strategies to property-test campaign configs and carts.

Needs the test extra (``pip install 'promocalc[test]'``): this package imports hypothesis,
``import promocalc`` does not. ::

    from hypothesis import given
    from promocalc import load
    from promocalc.testing import carts

    MY_CONFIG = {...}                     # or a Campaign from promocalc.load(...)

    @given(carts(MY_CONFIG))
    def test_never_below_zero(cart):
        quote = load(MY_CONFIG).quote(cart)
        assert all(p >= 0 for p in quote.line_payables)
"""

from .strategies import CALENDAR_2020, DEFAULT_AT, campaigns_and_carts, carts, configs, valid_uses, yuan

__all__ = ["CALENDAR_2020", "DEFAULT_AT", "campaigns_and_carts", "carts", "configs", "valid_uses", "yuan"]
