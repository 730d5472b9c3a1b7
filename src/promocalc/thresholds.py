"""Threshold shapes shared by every layer: stepped tiers, repeating ``every``, rate and quantity tiers."""

from __future__ import annotations

from fractions import Fraction

from .money import fmt


class Tier:
    """One step: reach ``need`` (fen, or units when counting items) and get ``off`` fen or pay ``rate``."""

    __slots__ = ("need", "off", "rate")

    def __init__(self, need: int, off: int | None = None, rate: Fraction | None = None) -> None:
        self.need = need
        self.off = off
        self.rate = rate

    def discount(self, base: int) -> int:
        """The discount this tier gives on ``base`` fen."""
        if self.off is not None:
            return self.off
        assert self.rate is not None
        # base·(1−rate), rounded half up to the fen on the whole base (the shop-level rounding rule)
        num = base * (self.rate.denominator - self.rate.numerator)
        den = self.rate.denominator
        return (2 * num + den) // (2 * den)

    def label(self, by_items: bool) -> str:
        """Human form: ``300-20``, ``2件-99.00``, ``300@0.9``."""
        need = f"{self.need}件" if by_items else fmt(self.need).removesuffix(".00")
        if self.off is not None:
            return f"{need}-{fmt(self.off).removesuffix('.00')}"
        return f"{need}@{float(self.rate or 0):g}"


class Threshold:
    """A threshold shape: stepped ``tiers`` (highest reached wins) or repeating ``every`` with ``max_off``.

    ``by_items`` makes the tiers count units instead of fen (满N件).
    """

    __slots__ = ("tiers", "every", "max_off", "by_items", "key", "rank", "_text")

    def __init__(
        self,
        tiers: tuple[Tier, ...] = (),
        every: Tier | None = None,
        max_off: int | None = None,
        by_items: bool = False,
    ) -> None:
        self.tiers = tiers
        self.every = every
        self.max_off = max_off
        self.by_items = by_items
        if every is not None:
            self.key: tuple[object, ...] = ("every", every.need, every.off, max_off)
            # where the platform layer serves pools of equal want and base: the tiers in fen, ascending
            self.rank: tuple[tuple[int, int], ...] = ((every.need, every.off or 0),)
        else:
            self.key = tuple((t.need, t.off, t.rate) for t in tiers)
            self.rank = tuple((t.need, t.off or 0) for t in tiers)
        self._text: str | None = None

    @property
    def first_need(self) -> int:
        """The smallest base that gives any discount."""
        return self.every.need if self.every is not None else self.tiers[0].need

    def reached(self, measure: int) -> int:
        """Index of the highest stepped tier reached by ``measure`` (-1 if none)."""
        idx = -1
        for i, t in enumerate(self.tiers):
            if measure >= t.need:
                idx = i
            else:
                break
        return idx

    def discount(self, base: int, items: int = 0) -> int:
        """The discount earned by ``base`` fen (or ``items`` units for quantity tiers)."""
        if self.every is not None:
            n = base // self.every.need
            off = n * (self.every.off or 0)
            return min(off, self.max_off) if self.max_off is not None else off
        measure = items if self.by_items else base
        top = None  # the highest tier reached (as ``reached``, without the calls: every threshold asks this)
        for t in self.tiers:
            if measure >= t.need:
                top = t
            else:
                break
        if top is None:
            return 0
        off = top.off if top.off is not None else top.discount(base)
        return min(off, self.max_off) if self.max_off is not None else off

    def gap(self, base: int, items: int = 0) -> int:
        """How much the base (fen, or units) must still grow to reach the next tier; 0 when none is left."""
        measure = items if self.by_items else base
        if self.every is not None:
            if self.max_off is not None and self.discount(base) >= self.max_off:
                return 0
            return self.every.need - base % self.every.need
        for t in self.tiers:
            if measure < t.need:
                return t.need - measure
        return 0

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """Compact label, e.g. ``300-20/500-50`` or ``每300-40``."""
        if self._text is None:
            if self.every is not None:
                cap = f" max {fmt(self.max_off)}" if self.max_off is not None else ""
                self._text = f"每{self.every.label(False)}{cap}"
            else:
                self._text = "/".join(t.label(self.by_items) for t in self.tiers)
        return self._text
