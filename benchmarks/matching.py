"""Person matching: building a ``PersonIndex`` and searching it.

Prints, from one run on this machine: the time to index ``--records`` synthetic
identities (households sharing a surname and a postcode, names from the synthetic
partnership's pools), then the time per search over ``--queries`` searches. Most
queries are another agency's copy of an indexed person, misspelt, nicknamed or
transliterated, or with the day and month of birth or the given and family names
transposed, and often without the postcode or NHS number; the rest are strangers.
The mean number of candidates compared per search comes from a second, untimed pass.

    .venv/bin/python -m benchmarks.matching [--records N] [--queries N] [--seed S]
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar
from unittest import mock

from broker.identity import Identity
from broker.matching import POSSIBLE_AT, MatchResult, PersonIndex, score
from broker.matching import index as index_module
from broker.matching.profile import Profile
from connectors.synthetic.names import (
    HERITAGE_WEIGHTS,
    POOLS,
    TOWN_WEIGHTS,
    gendered_family_name,
    nicknames,
    postcode,
    street_name,
    transliteration_variants,
)

STRANGER_SHARE = 0.2
LATEST_BIRTH = date(2025, 6, 30)
KINDS = ("misspelt", "nicknamed", "transposed")
T = TypeVar("T")


def household(rng: random.Random) -> list[Identity]:
    """One to five people at one address: a parent and children, sharing a surname."""
    pool = POOLS[rng.choices(list(HERITAGE_WEIGHTS), list(HERITAGE_WEIGHTS.values()))[0]]
    family = rng.choice(pool.family)
    town = rng.choices(list(TOWN_WEIGHTS), list(TOWN_WEIGHTS.values()))[0]
    home = postcode(town, street_name(rng), rng.randint(1, 240))
    parent_born = date(1975, 1, 1) + timedelta(days=rng.randrange(25 * 365))
    members = [(rng.random() < 0.8, "adult", parent_born)]
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        earliest = parent_born + timedelta(days=18 * 365)
        latest = min(parent_born + timedelta(days=40 * 365), LATEST_BIRTH)
        child_born = earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))
        members.append((rng.random() < 0.5, "child", child_born))
    people = []
    for female, generation, born in members:
        given = pool.given(rng, female, generation)
        people.append(
            Identity(
                names=((given, gendered_family_name(family, female)),),
                date_of_birth=born,
                postcodes=(home,),
                identifiers=frozenset(
                    {("NHS_NUMBER", f"{rng.randrange(10**9, 10**10)}")}
                    if rng.random() < 0.5
                    else ()
                ),
                gender="FEMALE" if female else "MALE",
            )
        )
    return people


def population(rng: random.Random, size: int) -> list[Identity]:
    people: list[Identity] = []
    while len(people) < size:
        people.extend(household(rng))
    return people[:size]


def misspelt(rng: random.Random, name: str) -> str:
    """One keystroke wrong: a letter changed, dropped, doubled or two neighbours swapped."""
    if len(name) < 3:
        return name
    at = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return name[:at] + rng.choice("aeiounrst") + name[at + 1 :]
    if kind == 1:
        return name[:at] + name[at + 1 :]
    if kind == 2:
        return name[:at] + name[at] + name[at:]
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def misrecorded(rng: random.Random, identity: Identity, kind: str) -> Identity | None:
    """The same person as another agency records them, or None if ``kind`` cannot apply.

    ``kind`` is "misspelt", "nicknamed" (a short form or another transliteration of a
    name) or "transposed" (day and month of birth, else given and family names).
    """
    ((given, family),) = identity.names
    born = identity.date_of_birth
    if kind == "misspelt" and rng.random() < 0.5:
        given = misspelt(rng, given)
    elif kind == "misspelt":
        family = misspelt(rng, family)
    elif kind == "nicknamed" and (variants := nicknames(given) + transliteration_variants(given)):
        given = rng.choice(variants)
    elif kind == "nicknamed" and (variants := transliteration_variants(family)):
        family = rng.choice(variants)
    elif kind == "transposed" and born and born.day <= 12 and born.day != born.month:
        born = born.replace(day=born.month, month=born.day)
    elif kind == "transposed":
        given, family = family, given
    if (given, family) == identity.names[0] and born == identity.date_of_birth:
        return None
    return replace(
        identity,
        names=((given, family),),
        date_of_birth=born,
        postcodes=identity.postcodes if rng.random() < 0.6 else (),
        identifiers=identity.identifiers if rng.random() < 0.2 else frozenset(),
    )


def timed(operation: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``operation`` took, and what it returned."""
    started = time.perf_counter()
    value = operation()
    return time.perf_counter() - started, value


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=50_000, help="identities to index")
    parser.add_argument("--queries", type=int, default=1_000, help="searches to time")
    parser.add_argument("--seed", type=int, default=1, help="seed for the synthetic data")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    people = population(rng, args.records)
    index: PersonIndex[int] = PersonIndex()

    def build() -> None:
        for key, identity in enumerate(people):
            index.add(key, identity)

    build_seconds, _ = timed(build)

    queries: list[tuple[str, int | None, Identity]] = []
    strangers = population(random.Random(args.seed + 1), args.queries)
    for number in range(args.queries):
        if rng.random() < STRANGER_SHARE:
            queries.append(("stranger", None, strangers[number]))
            continue
        kind = KINDS[number % len(KINDS)]
        # Not every name has a nickname: draw people until one fits the kind.
        for _ in range(1000):
            source = rng.randrange(len(people))
            if copy := misrecorded(rng, people[source], kind):
                queries.append((kind, source, copy))
                break
        else:
            queries.append(("stranger", None, strangers[number]))

    seconds: list[float] = []
    results: list[list[tuple[int, MatchResult]]] = []
    for _, _, query in queries:
        elapsed, found = timed(functools.partial(index.search, query))
        seconds.append(elapsed)
        results.append(found)

    compared = 0
    real = score.compare_profiles

    def counting(query: Profile, record: Profile) -> MatchResult:
        nonlocal compared
        compared += 1
        return real(query, record)

    with mock.patch.object(index_module, "compare_profiles", counting):
        for _, _, query in queries:
            index.search(query)

    ms = sorted(second * 1000 for second in seconds)
    outcomes = [
        (kind, source, found) for (kind, source, _), found in zip(queries, results, strict=True)
    ]
    print(f"records indexed            {len(index):,}")
    print(f"build time                 {build_seconds:.2f} s ({len(index) / build_seconds:,.0f}/s)")
    print(f"searches                   {len(queries):,}")
    print(f"search mean                {statistics.fmean(ms):.3f} ms")
    print(f"search median              {statistics.median(ms):.3f} ms")
    print(f"search p95                 {percentile(ms, 0.95):.3f} ms")
    print(f"search max                 {ms[-1]:.3f} ms")
    print(f"candidates compared, mean  {compared / len(queries):,.1f}")
    for kind in KINDS:
        of_kind = [(source, found) for k, source, found in outcomes if k == kind]
        if of_kind:
            first = sum(bool(found) and found[0][0] == source for source, found in of_kind)
            listed = sum(source in dict(found) for source, found in of_kind)
            print(
                f"{kind + ' copies':<26} {len(of_kind):,}: found first {first / len(of_kind):.0%},"
                f" listed {listed / len(of_kind):.0%}"
            )
    lone = [found for kind, _, found in outcomes if kind == "stranger"]
    if lone:
        with_any = sum(bool(found) for found in lone)
        print(
            f"{'strangers':<26} {len(lone):,}: any result at {POSSIBLE_AT}+"
            f" {with_any / len(lone):.0%}"
        )


if __name__ == "__main__":
    main()
