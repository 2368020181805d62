"""What of an agency's answer reaches the MASH: the policy decision as a plain function.

:func:`decide` takes the request and the agency's response and returns the
``uk.mash.v1.SharedInformation`` to publish on mash.shared.v1, with every item
that was redacted or withheld listed beside it, and a PolicyDecision for every
item, SHARED ones included, for the audit trail (DESIGN.md, flow 4). Each
decision names the rule (``rules.toml``) and the rules' version. The same inputs
always give the same output, and the same response the same ``shared_id``, so a
redelivered response is dropped downstream as a duplicate.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agents.policy.consent import Basis, lawful_basis, sharing_basis
from agents.policy.decisions import policy_decision
from agents.policy.proportionality import SHARED, WITHHELD, judge_finding
from agents.policy.rulebook import PolicyRules, load_rules
from broker.codec import millis


@dataclass(frozen=True)
class PolicyResult:
    """The outcome of applying the policy to one response.

    Attributes:
        shared: the uk.mash.v1.SharedInformation value to publish.
        decisions: a uk.mash.v1.PolicyDecision for every item, in response order.
        consent_overridden: something was shared without consent under a recorded
            override (Oldham 4.4).
    """

    shared: dict[str, Any]
    decisions: tuple[dict[str, Any], ...]
    consent_overridden: bool


def shared_id_for(response_id: object) -> uuid.UUID:
    """The SharedInformation id of a response: the same response, the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mash:shared:{response_id}")


def decide(
    request: Mapping[str, Any],
    response: Mapping[str, Any],
    *,
    rules: PolicyRules | None = None,
    now: datetime,
) -> PolicyResult:
    """Apply the consent and proportionality rules to one agency response.

    Args:
        request: the uk.mash.v1.InformationRequest the agency answered.
        response: the agency's uk.mash.v1.InformationResponse.
        rules: the rules to apply; the bundled ``rules.toml`` when None.
        now: when the decision is made (an aware datetime), recorded as decided_at.

    Neither input is changed, and nothing in the result aliases them.
    """
    rules = rules if rules is not None else load_rules()
    decisions: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    overridden = False
    mismatch = _mismatch(request, response)
    if mismatch is not None:
        decisions.append(
            policy_decision(
                rules,
                item_type="RESPONSE",
                outcome=WITHHELD,
                rule_id="response-matches-request",
                reason=mismatch,
            )
        )
    requested = {str(person["person_id"]) for person in request["subjects"]}
    for subject in response["subjects"]:
        if mismatch is not None:
            basis = Basis(False, "response-matches-request", mismatch)
        elif str(subject["person_id"]) not in requested:
            basis = Basis(False, "request-subjects-only", "the request did not name this subject")
        else:
            basis = sharing_basis(request, subject["person_id"], rules)
        if not basis.shared:
            decisions += _withhold_subject(subject, basis, rules)
            continue
        overridden = overridden or basis.overridden
        shared_subject, subject_decisions = _share_subject(subject, request, basis, rules)
        kept.append(shared_subject)
        decisions += subject_decisions
    shared = {
        "shared_id": shared_id_for(response["response_id"]),
        "case_id": response["case_id"],
        "request_id": response["request_id"],
        "response_id": response["response_id"],
        "agency": response["agency"],
        "subjects": kept,
        "redacted_or_withheld": [
            copy.deepcopy(decision) for decision in decisions if decision["outcome"] != SHARED
        ],
        "lawful_basis": lawful_basis(request, overridden=overridden, rules=rules),
        "consent_status": request["consent"]["status"],
        "consent_overridden": overridden,
        "decided_at": _whole_ms_utc(now),
    }
    return PolicyResult(shared=shared, decisions=tuple(decisions), consent_overridden=overridden)


def _mismatch(request: Mapping[str, Any], response: Mapping[str, Any]) -> str | None:
    """Why the response does not answer this request, or None if it does."""
    for field in ("request_id", "case_id", "agency"):
        if str(response[field]) != str(request[field]):
            return f"the response's {field} is not the request's"
    return None


def _withhold_subject(
    subject: Mapping[str, Any], basis: Basis, rules: PolicyRules
) -> list[dict[str, Any]]:
    """Decisions withholding a subject and each of its findings, for the same reason."""
    person_id = subject["person_id"]
    decisions = [
        policy_decision(
            rules,
            item_type="SUBJECT",
            outcome=WITHHELD,
            rule_id=basis.rule_id,
            reason=basis.reason,
            person_id=person_id,
        )
    ]
    for finding in subject["findings"]:
        decisions.append(
            policy_decision(
                rules,
                item_type="FINDING",
                outcome=WITHHELD,
                rule_id=basis.rule_id,
                reason=f"its subject is withheld: {basis.reason}",
                person_id=person_id,
                finding=finding,
            )
        )
    return decisions


def _share_subject(
    subject: Mapping[str, Any], request: Mapping[str, Any], basis: Basis, rules: PolicyRules
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The subject result as it may be shared, and a decision for it and each of its parts."""
    person_id = subject["person_id"]
    shared = copy.deepcopy(dict(subject))
    decisions = [
        policy_decision(
            rules,
            item_type="SUBJECT",
            outcome=SHARED,
            rule_id=basis.rule_id,
            reason=basis.reason,
            person_id=person_id,
        )
    ]
    recorded = subject.get("recorded_person")
    if recorded is not None:
        same_person = str(recorded["person_id"]) == str(person_id)
        decisions.append(
            policy_decision(
                rules,
                item_type="PERSON_DETAILS",
                outcome=SHARED if same_person else WITHHELD,
                rule_id=basis.rule_id if same_person else "request-subjects-only",
                reason=basis.reason
                if same_person
                else "the agency's record is of a person other than the subject",
                person_id=person_id,
            )
        )
        if not same_person:
            shared["recorded_person"] = None
    shared["findings"] = []
    for finding in subject["findings"]:
        verdict = judge_finding(finding, request, basis.rule_id, rules)
        decisions.append(
            policy_decision(
                rules,
                item_type="FINDING",
                outcome=verdict.outcome,
                rule_id=verdict.rule_id,
                reason=verdict.reason,
                person_id=person_id,
                finding=finding,
                redacted_fields=verdict.redacted_fields,
            )
        )
        if verdict.finding is not None:
            shared["findings"].append(verdict.finding)
    return shared, decisions


def _whole_ms_utc(moment: datetime) -> datetime:
    """``moment`` in UTC with whole milliseconds, as timestamp-millis holds it.

    Raises:
        ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return millis(moment.astimezone(UTC))
