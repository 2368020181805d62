"""Collation: the family picture the team that will act reads (DESIGN.md, flow 5).

The package's interface is what it exports here; its modules are internal:

* ``case``: ``CaseView``, what the agent holds about one case;
* ``evidence``: the shared findings, each once, with the agency and persons;
* ``persons``: the same person resolved across agencies, and why (PersonLink);
* ``merging``: how two views of one person are merged;
* ``household``: the other children in the household (Wigan good-practice prompt);
* ``chronology``: every finding once, oldest first;
* ``indicators``: concern categories mapped to Wigan's levels of need
  (``indicators.toml``, quoting seed 004);
* ``level``: the suggested level of need with its reasons: a recommendation, the
  decision stays with the MASH manager;
* ``picture``: ``build_picture``, the assembly.
"""

from agents.collation.case import CaseView
from agents.collation.indicators import IndicatorMap, IndicatorRule, load_indicators
from agents.collation.picture import build_picture

__all__ = ["CaseView", "IndicatorMap", "IndicatorRule", "build_picture", "load_indicators"]
