"""The base every settings model shares, and the patterns several of them use."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

SQL_HELP = "Inline DuckDB SQL, or the name of a .sql file beside the report."
EMAIL = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # a table or parameter name
Email = Annotated[str, StringConstraints(pattern=EMAIL)]


class Model(BaseModel):
    """Base of every model: unknown keys are errors, numbers are accepted where text belongs."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True, allow_inf_nan=False)


__all__ = ["EMAIL", "ENV_NAME", "IDENTIFIER", "SQL_HELP", "Email", "Model"]
