"""Configuration checks for CI (``promocalc check``): schema, meaning and the campaign calendar, and changes over time.

>>> from promocalc.checker import check_file
>>> report = check_file("promo.yaml")                           # doctest: +SKIP
>>> [(f.line, f.column, f.problem.message) for f in report.findings]   # doctest: +SKIP
"""

from .against import check_against
from .rules import check_config
from .run import FileReport, Finding, check_file

__all__ = ["FileReport", "Finding", "check_against", "check_config", "check_file"]
