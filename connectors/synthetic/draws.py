"""Draws from the partnership's one seeded random generator: weighted picks and chances."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TypeVar

_K = TypeVar("_K")


def _weighted(rng: random.Random, weights: Mapping[_K, float]) -> _K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability
