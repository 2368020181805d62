"""Explain, before any agency answers, what the policy will do with a request's answer.

For a practitioner or a compliance officer: given the request's consent position
and level of need, which rule decides for each subject, and what happens to each
permitted category (full, summary or withheld) and why, naming the rule ids and
the rules' version. No personal data: subjects are named by person_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.policy.consent import Basis, lawful_basis, sharing_basis
from agents.policy.proportionality import category_sharing, sharing_level
from agents.policy.rulebook import PolicyRules, load_rules


def explain(request: Mapping[str, Any], *, rules: PolicyRules | None = None) -> list[str]:
    """Human-readable lines saying how the policy will treat the answer to ``request``.

    Args:
        request: a uk.mash.v1.InformationRequest value.
        rules: the rules to explain; the bundled ``rules.toml`` when None.
    """
    rules = rules if rules is not None else load_rules()
    consent = request["consent"]
    lines = [
        f"Policy rules version {rules.version}: {request['agency']} request at "
        f"{request['level_of_need']}, RAG {request['rag_rating']}, consent {consent['status']}.",
        f"request-subjects-only: only the {len(request['subjects'])} subject(s) of the request "
        "are shared; a result about anyone else is withheld.",
    ]
    bases = [
        (person["person_id"], sharing_basis(request, person["person_id"], rules))
        for person in request["subjects"]
    ]
    lines += _consent_lines(bases)
    shared_bases = [basis for _, basis in bases if basis.shared]
    if shared_bases:
        lines += _category_lines(request, shared_bases[0], rules)
    else:
        deciding = bases[0][1].rule_id if bases else "request-subjects-only"
        lines += [
            f"{category}: withheld ({deciding}: nothing is shared)"
            for category in request["categories_permitted"]
        ]
    lines.append(
        "permitted-categories-only: a finding in any category not listed above is withheld."
    )
    lines += _window_lines(request, rules)
    lines.append(_lawful_basis_line(request, bases, rules))
    used = dict.fromkeys(
        [
            *(basis.rule_id for _, basis in bases),
            "request-subjects-only",
            "permitted-categories-only",
            "history-window",
            "sensitive-categories",
        ]
    )
    lines += [f"Source of {rule_id}: {rules.rule(rule_id).source}" for rule_id in used]
    return lines


def _lawful_basis_line(
    request: Mapping[str, Any], bases: list[tuple[object, Basis]], rules: PolicyRules
) -> str:
    """The lawful bases the sharing would rely on."""
    if not any(basis.shared for _, basis in bases):
        return "Lawful basis: none relied on, as nothing is shared."
    overridden = any(basis.overridden for _, basis in bases)
    named = ", ".join(lawful_basis(request, overridden=overridden, rules=rules))
    return f"Lawful basis: {named}" + (" (consent overridden)." if overridden else ".")


def _consent_lines(bases: list[tuple[object, Basis]]) -> list[str]:
    """One line if every subject has the same basis, else one line per subject."""
    if not bases:
        return ["No subjects: nothing can be shared."]
    distinct = {(basis.shared, basis.rule_id, basis.reason) for _, basis in bases}
    if len(distinct) == 1:
        basis = bases[0][1]
        verdict = "every subject may be shared" if basis.shared else "nothing is shared"
        return [f"{basis.rule_id} decides: {verdict}; {basis.reason}."]
    return [
        f"Subject {person_id}: {basis.rule_id}: "
        f"{'may be shared' if basis.shared else 'withheld'}; {basis.reason}."
        for person_id, basis in bases
    ]


def _category_lines(request: Mapping[str, Any], basis: Basis, rules: PolicyRules) -> list[str]:
    """What happens to each permitted category for a subject that may be shared."""
    level = sharing_level(request, rules)
    removes = ", ".join(rules.sensitive.summary_removes)
    lines = []
    groups: dict[str, str] = {}
    for category in request["categories_permitted"]:
        sharing, group = category_sharing(category, level, rules)
        if group is None:
            lines.append(f"{category}: full ({basis.rule_id}: not a sensitive category)")
            continue
        what = f"summary, {removes} removed" if sharing == "summary" else sharing
        lines.append(f"{category}: {what} (sensitive-categories, group {group.name}, at {level})")
        groups[group.name] = group.why
    lines += [f"Why {name}: {why}" for name, why in groups.items()]
    return lines


def _window_lines(request: Mapping[str, Any], rules: PolicyRules) -> list[str]:
    """The history window, if the request sets one."""
    since = request.get("history_since")
    if since is None:
        return ["history-window: the request sets no history window."]
    undated = "shared" if rules.history_window.undated == "share" else "withheld"
    return [
        f"history-window: findings dated before {since.isoformat()} are withheld; "
        f"findings with no date are {undated}."
    ]
