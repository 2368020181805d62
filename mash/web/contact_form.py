"""The contact form: its fields, the GOV.UK error messages, and the contact it makes.

The form asks for the fields of ``uk.mash.v1.Contact`` as a referral form does
(Wigan MASH professional referral form; Oldham 5; Lancashire request for
support): who is referring and how, the child and up to :data:`OTHER_PEOPLE`
other people in the household, the worry, the referrer's view of the level of
need (with Wigan's descriptors as hints), immediate risk and suspected crime,
consent and, when it was refused or not sought, why and under which legal
gateway (Oldham 4.1, 4.4), and the lawful basis claimed.

:func:`read_form` checks what a person typed, field by field, with messages in
the Design System's style ("Enter the child's first name"), builds the plain
contact, and runs intake's own :func:`connectors.intake.check_contact` on it:
whatever that still finds is shown too, so nothing the pipeline would refuse
gets through the form.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from broker.plain import InvalidValue
from connectors.intake import check_contact
from mash.text_layout import LOCAL_TIME

OTHER_PEOPLE = 3
FormValues = Mapping[str, str | list[str]]

#: Wigan's descriptors of each level of need (Wigan thresholds, "Understanding the Levels of
#: Need"), shown as hints on the level of need.
LEVELS_OF_NEED: dict[str, tuple[str, str]] = {
    "LEVEL_1": (
        "Level 1: Universal (community)",
        "Needs met by universal services; the child and family are thriving and need no "
        "additional support.",
    ),
    "LEVEL_2": (
        "Level 2: Earliest Help (additional needs)",
        "Additional unmet needs: single or multi-agency Early Help, an Early Help Assessment "
        "and a lead professional. Parental consent is required.",
    ),
    "LEVEL_3": (
        "Level 3: Early Help (complex needs)",
        "Complex or multiple unmet needs: a team around the family and a multi-agency Early "
        "Help plan to prevent escalation. Consent is required.",
    ),
    "LEVEL_4": (
        "Level 4: Safeguarding, acute and specialist",
        "Significant risk of harm, abuse or neglect: a Children and Families Assessment, "
        "under section 17 or section 47 of the Children Act 1989.",
    ),
}
REFERRER_TYPES = {
    "PROFESSIONAL": "A professional",
    "MEMBER_OF_PUBLIC": "A member of the public",
    "PARENT_OR_CARER": "A parent or carer",
    "FAMILY_MEMBER": "A family member",
    "CHILD_OR_YOUNG_PERSON": "The child or young person",
}
CHANNELS = {
    "TELEPHONE": "Telephone",
    "SECURE_EMAIL": "Secure email",
    "ONLINE_FORM": "Online referral form",
    "POLICE_NOTIFICATION": "Police notification",
    "AGENCY_NOTIFICATION": "Another agency's notification",
}
AGENCIES = {
    "": "Not from a partner agency",
    "POLICE": "Police",
    "HEALTH": "Health",
    "EDUCATION": "Education",
    "HOUSING": "Housing",
    "PROBATION": "Probation",
    "SOCIAL_CARE": "Children's social care",
}
GENDERS = {"FEMALE": "Female", "MALE": "Male", "OTHER": "Other", "NOT_STATED": "Not stated"}
ROLES = {
    "PARENT": "Parent",
    "CARER": "Carer",
    "SIBLING": "Brother or sister",
    "OTHER_HOUSEHOLD_MEMBER": "Other member of the household",
    "REGULAR_VISITOR": "Regular visitor",
    "PERSON_OF_CONCERN": "Person of concern",
}
CONSENT = {
    "GIVEN": "Yes, consent was given",
    "REFUSED": "No, consent was refused",
    "NOT_SOUGHT": "Consent was not sought",
}
OVERRIDE_REASONS = {
    "RISK_OF_SIGNIFICANT_HARM": "Seeking consent would place the child at risk of significant harm",
    "WOULD_PREJUDICE_CRIMINAL_INVESTIGATION": "It would prejudice a criminal investigation",
    "NOT_REASONABLE_TO_OBTAIN": "It is not reasonable to obtain consent",
    "UNABLE_TO_CONTACT": "The family could not be contacted",
    "CANNOT_GIVE_CONSENT": "The person cannot give consent",
    "POLICE_REFERRAL": "Police referral",
}
LAWFUL_BASES = {
    "CONSENT": "Consent",
    "CHILDREN_ACT_1989_S17": "Children Act 1989, section 17 (child in need)",
    "CHILDREN_ACT_1989_S47": "Children Act 1989, section 47 (significant harm)",
    "CHILDREN_ACT_2004_S10": "Children Act 2004, section 10 (co-operation)",
    "CHILDREN_ACT_2004_S11": "Children Act 2004, section 11 (safeguarding duty)",
    "UK_GDPR_ART_6_1_E_PUBLIC_TASK": "UK GDPR Article 6(1)(e): public task",
    "UK_GDPR_ART_6_1_C_LEGAL_OBLIGATION": "UK GDPR Article 6(1)(c): legal obligation",
    "UK_GDPR_ART_9_2_B_SOCIAL_PROTECTION": "UK GDPR Article 9(2)(b): social protection",
    "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST": "UK GDPR Article 9(2)(g): public interest",
    "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE": "UK GDPR Article 9(2)(h): health or social care",
    "CRIME_AND_DISORDER_ACT_1998_S115": "Crime and Disorder Act 1998, section 115",
}
#: Where intake's own problem paths are shown on the form.
PATH_FIELDS = {
    "consent.obtained_at": "consent_date",
    "consent.override": "override_reason",
    "consent.override.reason": "override_reason",
    "consent.override.legal_gateway": "override_gateway",
    "subjects": "child_given_names",
    "received_at": "concern_summary",
}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ContactForm:
    """What was typed, the contact it makes, and what is wrong, by field id in page order."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    contact: dict[str, Any] | None = None

    def text(self, name: str) -> str:
        """One field as typed, trimmed."""
        value = self.values.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def chosen(self, name: str) -> list[str]:
        """The boxes ticked in a group of checkboxes."""
        value = self.values.get(name, [])
        return [value] if isinstance(value, str) else list(value)

    def error(self, name: str, message: str) -> None:
        """Record the first problem with a field."""
        self.errors.setdefault(name, message)


def blank_form() -> ContactForm:
    """An empty form, with the defaults a MASH worker would expect."""
    return ContactForm({"channel": "TELEPHONE", "referrer_type": "PROFESSIONAL"})


def read_form(values: FormValues, concern_symbols: list[str], now: datetime) -> ContactForm:
    """Check a posted contact form; on success ``contact`` holds the checked contact."""
    form = ContactForm(dict(values))
    referrer = _referrer(form)
    child = _child(form, now)
    others = [p for n in range(1, OTHER_PEOPLE + 1) if (p := _other_person(form, n, now, child))]
    concern = _concern(form, concern_symbols)
    consent = _consent(form, now)
    bases = [b for b in form.chosen("lawful_basis") if b in LAWFUL_BASES]
    if not bases:
        form.error("lawful_basis", "Select the lawful basis for sharing")
    if form.errors or child is None or consent is None:
        return form
    plain = {
        "contact_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "received_at": now.astimezone(UTC).isoformat(),
        "channel": form.text("channel"),
        "referrer": referrer,
        "subjects": [child, *others],
        **concern,
        "consent": consent,
        "lawful_basis": bases,
    }
    try:
        form.contact = check_contact(plain, "the contact")
    except InvalidValue as invalid:
        for problem in invalid.problems:
            form.error(PATH_FIELDS.get(problem.path, "concern_summary"), _sentence(problem.message))
    return form


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _referrer(form: ContactForm) -> dict[str, Any]:
    kind = form.text("referrer_type")
    if kind not in REFERRER_TYPES:
        form.error("referrer_type", "Select who is making the referral")
    if not form.text("referrer_name"):
        form.error("referrer_name", "Enter the referrer's name")
    if form.text("channel") not in CHANNELS:
        form.error("channel", "Select how the contact was received")
    email = form.text("referrer_email")
    if email and not EMAIL.match(email):
        form.error(
            "referrer_email", "Enter an email address in the correct format, like name@example.com"
        )
    phone, agency = form.text("referrer_phone"), form.text("referrer_agency")
    if agency not in AGENCIES:
        form.error("referrer_agency", "Select the referrer's agency")
    return {
        "referrer_type": kind if kind in REFERRER_TYPES else "OTHER",
        "name": form.text("referrer_name") or None,
        "role": form.text("referrer_role") or None,
        "agency": agency or None,
        "organisation": form.text("referrer_organisation") or None,
        "relationship_to_child": None,
        "contact_details": {"phone": phone or None, "email": email or None}
        if phone or email
        else None,
    }


def _date(
    form: ContactForm, name: str, label: str, now: datetime, *, required: bool
) -> date | None:
    """A GOV.UK date input (``name-day``, ``name-month``, ``name-year``) as a date."""
    parts = [form.text(f"{name}-{part}") for part in ("day", "month", "year")]
    if not any(parts):
        if required:
            form.error(name, f"Enter the {label}")
        return None
    missing = [word for word, part in zip(("day", "month", "year"), parts, strict=True) if not part]
    if missing:
        form.error(name, f"The {label} must include a {' and '.join(missing)}")
        return None
    try:
        day, month, year = (int(part) for part in parts)
        found = date(year, month, day)
    except ValueError:
        form.error(name, f"The {label} must be a real date")
        return None
    if year < 1900:
        form.error(name, f"The {label} must be after 1900")
        return None
    if found > now.astimezone(LOCAL_TIME).date():
        form.error(name, f"The {label} must be today or in the past")
        return None
    return found


def nhs_number_is_valid(value: str) -> bool:
    """Whether a 10-digit NHS number's last digit is its modulus 11 check digit."""
    digits = value.replace(" ", "")
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _child(form: ContactForm, now: datetime) -> dict[str, Any] | None:
    given, family = form.text("child_given_names"), form.text("child_family_name")
    if not given:
        form.error("child_given_names", "Enter the child's first name")
    if not family:
        form.error("child_family_name", "Enter the child's last name")
    born = _date(form, "child_dob", "child's date of birth", now, required=True)
    gender = form.text("child_gender")
    if gender not in GENDERS:
        form.error("child_gender", "Select the child's gender, or 'Not stated'")
    postcode = form.text("child_postcode").upper()
    if postcode and not POSTCODE.match(postcode):
        form.error("child_postcode", "Enter a real postcode, like WN1 1AA")
    identifiers = []
    nhs = form.text("child_nhs_number").replace(" ", "")
    if nhs:
        if nhs_number_is_valid(nhs):
            identifiers.append({"scheme": "NHS_NUMBER", "value": nhs, "issuer": None})
        else:
            form.error("child_nhs_number", "Enter a valid 10-digit NHS number, like 485 777 3456")
    upn = form.text("child_upn").upper()
    if upn:
        if re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn):
            identifiers.append({"scheme": "UNIQUE_PUPIL_NUMBER", "value": upn, "issuer": None})
        else:
            form.error(
                "child_upn", "Enter a unique pupil number of 13 characters, like E359213418005"
            )
    if not given or not family or born is None or gender not in GENDERS:
        return None
    lines = [line for line in (form.text("child_address_1"), form.text("child_address_2")) if line]
    address = (
        {
            "lines": lines,
            "town": form.text("child_town") or None,
            "postcode": postcode or None,
            "uprn": None,
            "from_date": None,
            "to_date": None,
        }
        if lines or postcode
        else None
    )
    return {
        "person_id": str(uuid.uuid4()),
        "role": "CHILD",
        "names": [{"given_names": given, "family_name": family, "name_type": "CURRENT"}],
        "date_of_birth": {"date": born.isoformat(), "precision": "DAY"},
        "gender": gender,
        "addresses": [address] if address else [],
        "identifiers": identifiers,
        "parental_responsibility": None,
        "relationship_to_child": None,
    }


def _other_person(
    form: ContactForm, number: int, now: datetime, child: dict[str, Any] | None
) -> dict[str, Any] | None:
    prefix = f"person{number}"
    given, family = form.text(f"{prefix}_given_names"), form.text(f"{prefix}_family_name")
    role = form.text(f"{prefix}_role")
    if not given and not family:
        return None
    if not given:
        form.error(f"{prefix}_given_names", f"Enter person {number}'s first name")
    if not family:
        form.error(f"{prefix}_family_name", f"Enter person {number}'s last name")
    if role not in ROLES:
        form.error(f"{prefix}_role", f"Select who person {number} is")
    born = _date(form, f"{prefix}_dob", f"date of birth of person {number}", now, required=False)
    responsibility = {"yes": True, "no": False}.get(form.text(f"{prefix}_parental_responsibility"))
    return {
        "person_id": str(uuid.uuid4()),
        "role": role if role in ROLES else "OTHER",
        "names": [
            {"given_names": given or None, "family_name": family or None, "name_type": "CURRENT"}
        ],
        "date_of_birth": {"date": born.isoformat(), "precision": "DAY"} if born else None,
        "gender": "UNKNOWN",
        # A household member lives where the child lives, unless the form is told otherwise.
        "addresses": list(child["addresses"]) if child else [],
        "identifiers": [],
        "parental_responsibility": responsibility,
        "relationship_to_child": form.text(f"{prefix}_relationship") or None,
    }


def _yes_no(form: ContactForm, name: str, message: str) -> bool | None:
    answer = form.text(name)
    if answer not in ("yes", "no"):
        form.error(name, message)
        return None
    return answer == "yes"


def _concern(form: ContactForm, concern_symbols: list[str]) -> dict[str, Any]:
    summary = form.text("concern_summary")
    if not summary:
        form.error("concern_summary", "Enter what the worry about the child is")
    categories = [c for c in form.chosen("concern_categories") if c in concern_symbols]
    if not categories:
        form.error("concern_categories", "Select at least one kind of concern")
    level = form.text("referrer_level_of_need")
    if level not in LEVELS_OF_NEED:
        form.error(
            "referrer_level_of_need", "Select the level of need the referrer believes applies"
        )
    immediate = _yes_no(form, "immediate_risk", "Select yes if the child may need protection now")
    crime = _yes_no(form, "suspected_crime", "Select yes if a crime may have been committed")
    informed = form.text("family_informed")
    return {
        "concern_summary": summary,
        "concern_categories": categories,
        "referrer_level_of_need": level if level in LEVELS_OF_NEED else "UNKNOWN",
        "immediate_risk": bool(immediate),
        "suspected_crime": bool(crime),
        "early_help_assessment_attached": form.text("early_help_assessment_attached") == "yes",
        "support_already_provided": form.text("support_already_provided") or None,
        "family_informed": {"yes": True, "no": False}.get(informed),
    }


def _consent(form: ContactForm, now: datetime) -> dict[str, Any] | None:
    status = form.text("consent_status")
    if status not in CONSENT:
        form.error("consent_status", "Select whether consent to share information was given")
        return None
    consent: dict[str, Any] = {
        "status": status,
        "scope": None,
        "given_by_person_id": None,
        "obtained_by": None,
        "obtained_at": None,
        "method": "UNKNOWN",
        "override": None,
    }
    if status == "GIVEN":
        method = form.text("consent_method")
        if method not in ("VERBAL", "WRITTEN"):
            form.error("consent_method", "Select how consent was given")
        obtained = _date(form, "consent_date", "date consent was given", now, required=True)
        if obtained is not None:
            moment = datetime.combine(obtained, time(9, 0), LOCAL_TIME)
            consent["obtained_at"] = min(moment, now).astimezone(UTC).isoformat()
        consent["method"] = method if method in ("VERBAL", "WRITTEN") else "UNKNOWN"
        return consent
    reason_code = form.text("override_reason_code")
    if reason_code not in OVERRIDE_REASONS:
        form.error("override_reason_code", "Select why information is shared without consent")
    reason = form.text("override_reason")
    if not reason:
        form.error("override_reason", "Enter why information is shared without consent")
    gateways = [g for g in form.chosen("override_gateway") if g in LAWFUL_BASES and g != "CONSENT"]
    if not gateways:
        form.error(
            "override_gateway", "Select the legal gateway relied on to share without consent"
        )
    approver = form.text("override_approver")
    if not approver:
        form.error("override_approver", "Enter the name of the manager who approved it")
    approved = {
        "name": approver,
        "role": form.text("override_approver_role") or "Team Manager",
        "agency": None,
        "organisation": None,
        "team": None,
        "contact_details": None,
    }
    consent["override"] = {
        "reason_code": reason_code if reason_code in OVERRIDE_REASONS else "OTHER",
        "reason": reason,
        "legal_gateway": gateways,
        "decided_by": approved,
        "decided_at": now.astimezone(UTC).isoformat(),
        "approved_by": approved,
        "approved_at": now.astimezone(UTC).isoformat(),
        "family_informed_at": None,
    }
    return consent
