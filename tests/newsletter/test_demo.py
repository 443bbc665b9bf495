import io

import pytest

from backstride.accounts.models import ConsentRecord
from backstride.newsletter import demo
from backstride.newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def test_demo_subscribers_are_confirmed_with_consent_records_and_idempotent() -> None:
    demo.load_demo(io.StringIO())
    demo.load_demo(io.StringIO())
    assert Subscriber.objects.count() == len(demo.DEMO_SUBSCRIBERS)
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"confirmed"}
    assert ConsentRecord.objects.filter(action="confirmed").count() == len(demo.DEMO_SUBSCRIBERS)
