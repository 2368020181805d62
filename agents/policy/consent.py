"""The consent position: on what basis, if any, an agency may share about one subject.

Consent is the default. Early help (levels 1-3) needs it; at safeguarding level
(level 4 or a RED rating) a recorded override allows sharing without it under
Children Act 1989 s47 and UK GDPR Art 6(1)(e) and Art 9 (Oldham 4.1, 4.4; Wigan
thresholds, Consent and Confidentiality and Information sharing). Which rule
applies, and with which parameters, is in ``rules.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.policy.rulebook import PolicyRules


@dataclass(frozen=True)
class Basis:
    """Whether one subject may be shared, the rule that decided, and why.

    ``overridden`` is true when the subject is shared without consent under a
    recorded override.
    """

    shared: bool
    rule_id: str
    reason: str
    overridden: bool = False


def is_safeguarding(request: Mapping[str, Any], rules: PolicyRules) -> bool:
    """Whether the request is at a safeguarding level of need or RAG rating."""
    rule = rules.safeguarding
    return request["level_of_need"] in rule.levels or request["rag_rating"] in rule.rag_ratings


def override_problem(consent: Mapping[str, Any], rules: PolicyRules) -> str | None:
    """Why the consent override cannot be relied on, or None if it is properly recorded.

    Recorded means a non-empty reason, a ground the seeds accept and an approver
    (Wigan thresholds, Consent and Confidentiality; Oldham 4.4).
    """
    override = consent.get("override")
    if override is None:
        return "no consent override is recorded"
    if not str(override.get("reason") or "").strip():
        return "the consent override records no reason"
    ground = str(override.get("reason_code"))
    if ground not in rules.safeguarding.override_grounds:
        return f"the consent override's ground {ground} is not one the seeds accept"
    if override.get("approved_by") is None:
        return "nobody is recorded as approving the consent override"
    return None


def scope_gap(
    consent: Mapping[str, Any], agency: str, person_id: object, rules: PolicyRules
) -> tuple[str, str] | None:
    """The rule id and reason when GIVEN consent does not cover this sharing, else None.

    An absent scope or an empty list records no limit.
    """
    scope = consent.get("scope")
    if scope is None:
        return None
    agencies = [str(a) for a in scope.get("agencies") or []]
    if agencies and agency not in agencies:
        return "consent-scope", f"the consent given does not cover {agency}"
    purposes = [str(p) for p in scope.get("purposes") or []]
    if purposes and not set(purposes) & set(rules.consent_scope.sharing_purposes):
        return "consent-scope", "the consent given does not cover information sharing"
    person_ids = {str(p) for p in scope.get("person_ids") or []}
    if person_ids and str(person_id) not in person_ids:
        return "consent-scope-persons", "the consent given does not cover this subject"
    return None


def sharing_basis(request: Mapping[str, Any], person_id: object, rules: PolicyRules) -> Basis:
    """On what basis the request's agency may share about one subject of the request."""
    consent = request["consent"]
    status = str(consent["status"])
    level, rag = request["level_of_need"], request["rag_rating"]
    if status == "GIVEN":
        gap = scope_gap(consent, str(request["agency"]), person_id, rules)
        if gap is None:
            return Basis(True, "consent-given", "shared with the family's consent")
        refusing_rule, without_consent = gap
    else:
        refusing_rule = ""
        without_consent = f"consent is {status}"
    if not is_safeguarding(request, rules):
        return Basis(
            False,
            refusing_rule or "early-help-needs-consent",
            f"{without_consent} and {level} is early help, which needs consent",
        )
    problem = override_problem(consent, rules)
    if problem is not None:
        return Basis(
            False,
            refusing_rule or "override-not-recorded",
            f"{without_consent}; at {level}, RAG {rag}, sharing without consent needs a "
            f"recorded override, and {problem}",
        )
    return Basis(
        True,
        "safeguarding-without-consent",
        f"{without_consent}; shared at {level}, RAG {rag}, under the recorded consent override",
        overridden=True,
    )


def lawful_basis(request: Mapping[str, Any], *, overridden: bool, rules: PolicyRules) -> list[str]:
    """The lawful bases the sharing relies on, without repeats, in a stable order.

    The request's bases; CONSENT only if consent was given; and when shared under
    an override, the safeguarding gateways and the override's own (Oldham 4.1, 4.4).
    """
    consent = request["consent"]
    bases = [str(b) for b in request["lawful_basis"]]
    if consent["status"] != "GIVEN":
        bases = [b for b in bases if b != "CONSENT"]
    if overridden:
        override = consent.get("override") or {}
        own = [str(gateway) for gateway in override.get("legal_gateway") or []]
        bases += [*rules.safeguarding.gateways, *own]
    return list(dict.fromkeys(bases))
