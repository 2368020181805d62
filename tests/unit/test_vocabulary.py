"""The finding vocabulary in code is the one the Finding schema documents."""

from __future__ import annotations

import json
import re

from broker.catalogue import Agency
from broker.vocabulary import CATEGORIES
from schemas import avsc_texts


def test_vocabulary_matches_the_schema_documentation() -> None:
    (category,) = [
        field
        for field in json.loads(avsc_texts()["finding.avsc"])["fields"]
        if field["name"] == "category"
    ]
    documented = set(re.findall(r"\b[a-z_]+\.[a-z_0-9]+\b", category["doc"].split("(Grounded")[0]))
    assert documented == {code for codes in CATEGORIES.values() for code in codes}


def test_every_agency_has_a_vocabulary_of_its_own_codes() -> None:
    assert set(CATEGORIES) == {agency.value for agency in Agency}
    for agency, codes in CATEGORIES.items():
        assert codes, agency
        assert all(code.startswith(f"{agency}.") for code in codes)
