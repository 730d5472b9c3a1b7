"""Money as integer fen: parsing, formatting and the named rounding policies.

No float ever carries money. Amounts come in as strings, ints or
:class:`decimal.Decimal` and are held as ``int`` fen from then on.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction

_MONEY_RE = re.compile(r"^[ \t]*(-?)([0-9]{1,15})(?:\.([0-9]{0,2}))?[ \t]*\Z")  # ASCII digits only: "１９９" is not money
MAX_FEN = 10**17  # a billion billion yuan: anything larger is hostile input


class MoneyError(ValueError):
    """An amount that is not a valid CNY amount (e.g. three decimals)."""


KNOWN_FEN: dict[str, int] = {}
"""Amount text -> fen, for the texts :func:`to_fen` has parsed to a non-negative amount (bounded): carts and
order records repeat their amounts, so each text is parsed once."""


def to_fen(value: object, *, allow_negative: bool = False) -> int:
    """Parse ``"199.00"``, ``199``, or ``Decimal("199.5")`` into fen; reject floats and fractions of a fen."""
    if type(value) is str:
        known = KNOWN_FEN.get(value)
        if known is not None:
            return known
    if isinstance(value, Money):
        fen = value.in_fen
        if fen < 0 and not allow_negative:
            raise MoneyError(f"amount {value} is negative")
        return fen
    if isinstance(value, str):
        m = _MONEY_RE.match(value)
        if m is None:
            if re.match(r"^[ \t]*-?[0-9]+\.[0-9]{3,}[ \t]*\Z", value):
                raise MoneyError(f"amount {value!r} has more than two decimals")
            raise MoneyError(f"amount {value!r} is not a number of yuan like '199.00'")
        sign, whole, frac = m.groups()
        fen = int(whole) * 100 + int((frac or "").ljust(2, "0"))
        fen = -fen if sign else fen
    elif isinstance(value, bool):
        raise MoneyError(f"amount {value!r} is not a number")
    elif isinstance(value, int):
        fen = value * 100
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"amount {value} is not finite")
        if abs(value.adjusted()) > 20:  # before any arithmetic: 1e999999999 would overflow the context
            raise MoneyError(f"amount {value} is out of range")
        try:
            scaled = value.scaleb(2)
            if scaled != scaled.to_integral_value():
                raise MoneyError(f"amount {value} has more than two decimals")
            if abs(value.adjusted()) > 20:
                raise MoneyError(f"amount {value} is out of range")
            fen = int(scaled)
        except ArithmeticError:
            raise MoneyError(f"amount {value} is out of range") from None
    elif isinstance(value, float):
        raise MoneyError(f"amount {value!r} is a float; write money as a string like '199.00' or a Decimal")
    else:
        raise MoneyError(f"amount {value!r} is not a number of yuan")
    if abs(fen) > MAX_FEN:
        raise MoneyError(f"amount {value} is out of range")
    if fen < 0:
        if not allow_negative:
            raise MoneyError(f"amount {value} is negative")
    elif type(value) is str and len(KNOWN_FEN) < 65536:
        KNOWN_FEN[value] = fen
    return fen


class Money:
    """An exact CNY amount, held as integer fen.

    ``Money("19.90")`` and ``Money(Decimal("19.9"))`` read yuan; ``Money.fen(1990)`` takes fen and
    ``Money.yuan(19)`` whole yuan. A bare ``int`` is refused (yuan or fen?) and so is a ``float``.
    Anywhere a rule object asks for money, a ``Money`` may be given.

    >>> Money("19.90") == Money.fen(1990)
    True
    >>> str(Money.yuan(5))
    '5.00'
    """

    __slots__ = ("_fen",)
    _fen: int

    def __init__(self, amount: str | Decimal) -> None:
        if isinstance(amount, int) and not isinstance(amount, bool):
            raise MoneyError(f"Money({amount!r}) is ambiguous: write Money.fen({amount}) or Money.yuan({amount})")
        if not isinstance(amount, (str, Decimal)):
            kind = "a float" if isinstance(amount, float) else f"a {type(amount).__name__}"
            raise MoneyError(f"Money({amount!r}) is {kind}; write a string like '199.00', a Decimal, or use Money.fen()")
        object.__setattr__(self, "_fen", to_fen(amount, allow_negative=True))

    @classmethod
    def fen(cls, fen: int) -> Money:
        """An amount given in fen: ``Money.fen(1990)`` is ¥19.90."""
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise MoneyError(f"Money.fen({fen!r}) needs a whole number of fen")
        if abs(fen) > MAX_FEN:
            raise MoneyError(f"amount of {fen} fen is out of range")
        m = cls.__new__(cls)
        object.__setattr__(m, "_fen", fen)
        return m

    @classmethod
    def yuan(cls, amount: int | str | Decimal) -> Money:
        """An amount given in yuan, as a whole number, a string or a Decimal: ``Money.yuan(19)`` is ¥19.00."""
        return cls.fen(to_fen(amount, allow_negative=True))

    @property
    def in_fen(self) -> int:
        """The amount in fen."""
        return self._fen

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __reduce__(self) -> tuple[object, ...]:
        return (Money.fen, (self._fen,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other._fen == self._fen

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._fen < other._fen

    def __hash__(self) -> int:
        return hash(("Money", self._fen))

    def __str__(self) -> str:
        return fmt(self._fen)

    def __repr__(self) -> str:
        return f"Money({fmt(self._fen)!r})"


def fmt(fen: int) -> str:
    """Format fen as a yuan string with two decimals: ``12345 -> "123.45"``."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q}.{r:02d}"


def to_rate(value: object) -> Fraction:
    """Parse a rate (the fraction paid, 8.5折 = 0.85) exactly; it must lie strictly between 0 and 1."""
    if isinstance(value, bool):
        raise MoneyError(f"rate {value!r} is not a number")
    if isinstance(value, float):
        value = Decimal(repr(value))  # rates are not money: a float literal is read as written
    try:
        dec = Decimal(value) if isinstance(value, str) else value
        if isinstance(dec, Decimal) and (not dec.is_finite() or abs(dec.adjusted()) > 12):
            raise MoneyError(f"rate {value} must lie strictly between 0 and 1 (the fraction paid)")
        frac = Fraction(dec)  # type: ignore[arg-type]
    except MoneyError:
        raise
    except (InvalidOperation, ValueError, TypeError, OverflowError):
        raise MoneyError(f"rate {value!r} is not a number") from None
    if frac.denominator > 10**6:
        raise MoneyError(f"rate {value} has too many decimals")
    if not 0 < frac < 1:
        raise MoneyError(f"rate {value} must lie strictly between 0 and 1 (the fraction paid)")
    return frac


class Rounding(str, Enum):
    """Named rounding policies for amounts that fall between fen."""

    HALF_UP = "half_up"
    DROP_FEN = "drop_fen"  # 抹分: truncate to 0.1 yuan
    DROP_JIAO = "drop_jiao"  # 抹角: truncate to whole yuan


def round_fraction(num: int, den: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """Round the non-negative amount ``num/den`` fen to whole fen by ``mode``."""
    if mode is Rounding.HALF_UP:
        return (2 * num + den) // (2 * den)
    step = 10 if mode is Rounding.DROP_FEN else 100
    return (num // den) // step * step
