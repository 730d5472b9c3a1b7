"""Campaign simulation: price many carts (locally or on Dask) and gather the merchant dashboard figures.

    >>> import promocalc
    >>> from promocalc.sim import CartGenerator, simulate
    >>> campaign = promocalc.load("examples/double11-2016/config.yaml")          # doctest: +SKIP
    >>> result = simulate(campaign, CartGenerator(campaign, seed=1, n=10_000))  # doctest: +SKIP
    >>> result.summary()["totals"]["discount"]                                  # doctest: +SKIP

Only the standard library is imported here; pandas, pyarrow, dask, tqdm and matplotlib are imported
when a frame, a Dask run, a progress bar or a plot asks for them (the ``sim`` and ``plot`` extras).
"""

from .generator import CartGenerator
from .result import Frames, SimulationResult
from .runner import simulate

__all__ = ["CartGenerator", "Frames", "SimulationResult", "simulate"]
