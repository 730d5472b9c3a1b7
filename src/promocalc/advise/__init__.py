"""凑单 advice: what a buyer could add so a threshold pays off, priced by real quotes.

For every threshold in play — one the cart does not reach, and the next tier of one it does — :func:`advise`
adds exactly the gap as one new line in the instrument's scope, quotes the cart again and reports what the
buyer really pays more (``extra``). With a catalog, it also searches the set of catalog units that reaches the
gap for the smallest ``extra``, and ranks the add-ons that lower the buyer's price per value. Every figure comes
from :meth:`Campaign.quote <promocalc.Campaign.quote>` on the cart with the addition, never from a formula; a
proven lower bound on ``extra`` only decides which sets need no quote.
"""

from .bound import Bound
from .catalog import parse_catalog
from .result import Addition, Advice, Gap, Suggestion
from .search import advise

__all__ = ["Addition", "Advice", "Bound", "Gap", "Suggestion", "advise", "parse_catalog"]
