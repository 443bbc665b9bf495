from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from ninja import Schema

from backstride.lib.fields import field_names, from_attributes


@dataclass(frozen=True)
class Card:
    title: str
    minutes: int
    note: str = ""
    cache: dict[str, int] = field(init=False, default_factory=dict)


class CardOut(Schema):
    title: str
    minutes: int


def test_copies_each_field_by_name_and_takes_the_rest_from_values():
    source = SimpleNamespace(title="Walk", minutes=10, note="easy", other="ignored")
    assert from_attributes(Card, source) == Card("Walk", 10, "easy")
    assert from_attributes(Card, source, note="") == Card("Walk", 10, "")
    assert from_attributes(CardOut, source, minutes=12) == CardOut(title="Walk", minutes=12)


def test_a_missing_attribute_is_an_error_not_a_default():
    with pytest.raises(AttributeError, match="note"):
        from_attributes(Card, SimpleNamespace(title="Walk", minutes=10))


def test_fields_in_declared_order_without_non_init_fields():
    assert field_names(Card) == ["title", "minutes", "note"]
    assert field_names(CardOut) == ["title", "minutes"]
    with pytest.raises(TypeError):
        field_names(dict)
