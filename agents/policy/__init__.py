"""The policy agent's rules: consent and proportionality, before anything reaches the MASH.

Plain functions, no broker: :func:`decide` applies the rules of ``rules.toml`` to
one agency response, :func:`explain` says in words what they will do with the
answer to a request, and :func:`load_rules` reads the versioned rule file. Every
rule cites the seed passage it comes from (Oldham 4.1-4.4 and 5.6; Wigan
thresholds, Consent and Confidentiality, Information sharing and the levels of
need; Wigan MASH).
"""

from agents.policy.explanation import explain
from agents.policy.rulebook import PolicyRules, load_rules, parse_rules
from agents.policy.sharing import PolicyResult, decide, shared_id_for

__all__ = [
    "PolicyResult",
    "PolicyRules",
    "decide",
    "explain",
    "load_rules",
    "parse_rules",
    "shared_id_for",
]
