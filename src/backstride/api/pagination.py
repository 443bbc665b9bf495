"""Pagination and date filters for every list endpoint of the API: one set of rules, one message.

A list endpoint takes ``page: Query[Page]`` and returns ``page.apply(queryset)``; one with dates
also takes ``dates: Query[Dates]`` and narrows with ``dates.apply(queryset, "field", zone)``. Bad
values
(a negative offset, a limit of 0 or above the maximum, anything that is not a whole number)
answer 422 before the endpoint runs, with a body naming the parameter and the allowed range::

    {"detail": [{"type": "pagination", "loc": ["query", "offset"],
                 "msg": "offset must be a whole number from 0 to 2147483647.",
                 "ctx": {"parameter": "offset", "minimum": 0, "maximum": 2147483647}}]}
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ValidationError as PydanticValidationError
from pydantic import (
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The largest offset every supported database accepts (a 32-bit signed integer).
MAX_OFFSET = 2**31 - 1
#: Dates outside these are refused: nothing in Backstride is older or newer, and the bounds
#: keep every time-zone conversion far from the calendar's ends.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


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


def _day_in_range(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """A date (``YYYY-MM-DD``) from EARLIEST to LATEST, or one clear message."""
    name = info.field_name or "date"
    try:
        day = handler(value)
    except PydanticValidationError:
        day = False
    if day is None or (isinstance(day, date) and EARLIEST <= day <= LATEST):
        return day
    raise PydanticCustomError(
        "date_filter",
        "{parameter} must be a date written YYYY-MM-DD, from {earliest} to {latest}.",
        {"parameter": name, "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
    )


Day = Annotated[date | None, WrapValidator(_day_in_range)]


class Dates(Schema):
    """``since`` and ``until`` query parameters: whole days, both included, in the caller's
    own time zone for times of day."""

    since: Day = Field(None, description="Only items on or after this day (YYYY-MM-DD).")
    until: Day = Field(None, description="Only items on or before this day (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _ordered(self) -> Dates:
        if self.since and self.until and self.since > self.until:
            raise PydanticCustomError(
                "date_filter",
                "since ({since}) must be on or before until ({until}).",
                {"since": self.since.isoformat(), "until": self.until.isoformat()},
            )
        return self

    def bounds(self, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
        """The instants ``[start, end)`` these days cover in ``zone`` (None: unbounded)."""
        start = datetime.combine(self.since, time(), zone) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time(), zone) if self.until else None
        return start, end

    def apply(self, items: Any, field: str, zone: tzinfo | None = None) -> Any:
        """``items`` narrowed to these days. ``field`` is a DateTimeField when ``zone`` is
        given (days are read in that zone), else a DateField."""
        if zone is None:
            if self.since:
                items = items.filter(**{f"{field}__gte": self.since})
            if self.until:
                items = items.filter(**{f"{field}__lte": self.until})
            return items
        start, end = self.bounds(zone)
        if start:
            items = items.filter(**{f"{field}__gte": start})
        if end:
            items = items.filter(**{f"{field}__lt": end})
        return items
