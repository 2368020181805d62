"""Address histories in the Wigan area, shared by a household and its newcomers."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from connectors.synthetic import names
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.model import Address


def _town(rng: random.Random, near: str | None = None) -> str:
    if near is not None and _chance(rng, 0.7):
        return near
    return _weighted(rng, names.TOWN_WEIGHTS)


def _home(rng: random.Random, town: str, flat_chance: float) -> tuple[tuple[str, ...], str, str]:
    street, number = names.street_name(rng), rng.randint(1, 160)
    code = names.postcode(town, street, number)
    if _chance(rng, flat_chance):
        flat = f"Flat {rng.randint(1, 40)}, {names.block_name(rng)}"
        return (flat, f"{number} {street}"), town, code
    return (f"{number} {street}",), town, code


_MOVES: dict[bool, dict[int, float]] = {
    False: {0: 50, 1: 30, 2: 13, 3: 7},
    True: {0: 30, 1: 30, 2: 22, 3: 18},
}


def _history(
    rng: random.Random, ref: date, moves: int, flat_chance: float, since: date = date.max
) -> tuple[Address, ...]:
    """A home history, oldest first, with ``moves`` moves in the last ten years.

    The first home dates from ``since`` at the latest (the household's first birth or
    arrival), so nobody in it is ever without an address.
    """
    move_days = sorted(rng.sample(range(30, 3651), moves), reverse=True)
    starts = [ref - timedelta(days=days) for days in move_days]
    first = (starts[0] if starts else ref) - timedelta(days=rng.randint(200, 4000))
    starts.insert(0, min(first, since))
    town: str | None = None
    addresses: list[Address] = []
    for position, start in enumerate(starts):
        town = _town(rng, town)
        lines, town, code = _home(rng, town, flat_chance)
        end = starts[position + 1] - timedelta(days=1) if position + 1 < len(starts) else None
        addresses.append(Address(lines, town, code, start, end))
    return tuple(addresses)


def _since(history: tuple[Address, ...], start: date) -> tuple[Address, ...]:
    """The part of ``history`` from ``start`` on."""
    kept = [a for a in history if a.to_date is None or a.to_date >= start]
    if kept and kept[0].from_date < start:
        kept[0] = replace(kept[0], from_date=start)
    return tuple(kept)


def _joined_from_elsewhere(
    rng: random.Random, household: tuple[Address, ...], joined: date, town: str, born: date
) -> tuple[Address, ...]:
    """A previous home of their own, then the household's from the day they joined it."""
    lines, town, code = _home(rng, _town(rng, town), 0.2)
    moved_in = max(born, joined - timedelta(days=rng.randint(365, 8 * 365)))
    own = Address(lines, town, code, moved_in, joined - timedelta(days=1))
    return (own, *_since(household, joined))
