"""Reading the project's TOML configuration files into checked models.

The authority file, the policy rules and the collation indicators are all TOML
checked by a pydantic model; this is the one place that reads them and turns
every failure into a :class:`~broker.errors.ConfigurationError` naming the file
and each problem in it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from broker.errors import ConfigurationError

Model = TypeVar("Model", bound=BaseModel)


def read_config(path: Path, what: str) -> str:
    """The text of a configuration file.

    Raises:
        ConfigurationError: ``cannot read <what> <path>: <reason>``.
    """
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} {path}: {exc.strerror}") from exc


def parse_toml(model: type[Model], text: str, name: str) -> Model:
    """``text``, TOML, checked against ``model``.

    Raises:
        ConfigurationError: ``<name> is not valid TOML: ...``, or ``<name> is
            invalid: <field>: <problem>; ...`` with every problem pydantic found.
    """
    try:
        return model.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{name} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"{name} is invalid: {problems}") from exc
