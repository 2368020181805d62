"""Whether two identities are the same person, and finding a person among many records.

The package's interface is what it exports here; its modules are internal:

* ``score``: ``compare``, ``MatchResult``, the thresholds and the table of points;
* ``index``: ``PersonIndex``, a search through blocks rather than a scan;
* ``names``: how alike two names are (``connectors/nicknames.txt``, sounds, typos);
* ``dates``: how alike two dates of birth are;
* ``profile``: an identity normalised once for comparing many times.
"""

from broker.matching.index import PersonIndex
from broker.matching.score import MATCHED_AT, POSSIBLE_AT, MatchResult, compare

__all__ = ["MATCHED_AT", "POSSIBLE_AT", "MatchResult", "PersonIndex", "compare"]
