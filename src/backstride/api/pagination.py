"""Pagination for every list endpoint of the API: one schema, one set of rules, one message.

A list endpoint takes ``page: Query[Page]`` and returns ``page.apply(queryset)``. Bad values
(a negative offset, a limit of 0 or above the maximum, anything that is not a whole number)
answer 422 before the endpoint runs, with a body naming the parameter and the allowed range::

    {"detail": [{"type": "pagination", "loc": ["query", "offset"],
                 "msg": "offset must be a whole number from 0 to 2147483647.",
                 "ctx": {"parameter": "offset", "minimum": 0, "maximum": 2147483647}}]}
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ValidationError as PydanticValidationError
from pydantic import ValidationInfo, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The largest offset every supported database accepts (a 32-bit signed integer).
MAX_OFFSET = 2**31 - 1


def _in_range(minimum: int, maximum: int) -> WrapValidator:
    """Validate a whole number in ``[minimum, maximum]``, or fail with one clear message."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> int:
        name = info.field_name or "value"
        try:
            number = handler(value)
        except PydanticValidationError:
            number = None
        if isinstance(number, int) and minimum <= number <= maximum:
            return number
        raise PydanticCustomError(
            "pagination",
            "{parameter} must be a whole number from {minimum} to {maximum}.",
            {"parameter": name, "minimum": minimum, "maximum": maximum},
        )

    return WrapValidator(validate)


class Page(Schema):
    """``limit`` and ``offset`` query parameters, shared by every list endpoint."""

    limit: Annotated[int, _in_range(1, MAX_LIMIT)] = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"How many items to return (1 to {MAX_LIMIT}).",
    )
    offset: Annotated[int, _in_range(0, MAX_OFFSET)] = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="How many items to skip from the start of the list.",
    )

    def apply(self, items: Any) -> Any:
        """The requested slice of a queryset or list."""
        return items[self.offset : self.offset + self.limit]
