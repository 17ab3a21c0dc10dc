"""Synthetic companies with planted truth, and the scoring of custlab's rules against it.

``custlab demo`` writes a company (:func:`generate`); :mod:`custlab.demo.truth`
scores the flags a report found against what was planted. custlab's rules never
read the truth.
"""

from custlab.demo.generator import DemoSpec, generate

__all__ = ["DemoSpec", "generate"]
