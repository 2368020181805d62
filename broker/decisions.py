"""The MASH decision on a contact: its schema, who records it, and what each outcome relies on.

The web console records the decision (``uk.mash.v1.MashDecision`` on
``mash.decisions.v1``) signed as :data:`CONSOLE`, and submits the audit's
DECISION_RECORDED record as the same sender, so the audit writer must accept
it among its submitters.
"""

from __future__ import annotations

DECISION_SCHEMA = "uk.mash.v1.MashDecision"
#: The sender that signs what the web console publishes: decisions and their audit records.
CONSOLE = "mash.console"
#: The rule under which a decision is recorded: within 24 hours of the contact (Oldham 5.10).
DECISION_RULE = "management-decision"
DECISION_RULE_VERSION = "1"

#: The outcomes in the order the guidance lists them (Oldham 5.10), with their words.
OUTCOMES: dict[str, str] = {
    "NO_FURTHER_ACTION": "No further action",
    "SIGNPOST": "Information, advice or signposting",
    "EARLY_HELP": "Early Help",
    "CHILD_IN_NEED_ASSESSMENT": "Child in need assessment (section 17)",
    "STRATEGY_DISCUSSION": "Strategy discussion (section 47)",
}

#: The statutory basis a social work outcome proceeds under (Children Act 1989).
LAWFUL_BASIS: dict[str, tuple[str, ...]] = {
    "CHILD_IN_NEED_ASSESSMENT": ("CHILDREN_ACT_1989_S17",),
    "STRATEGY_DISCUSSION": ("CHILDREN_ACT_1989_S47",),
}
