from django import template

from backstride.newsletter.services import CONSENT_VERSION, consent_text

register = template.Library()


@register.simple_tag
def newsletter_consent_text() -> str:
    """The consent wording shown by the checkbox (its version is recorded with each signup)."""
    return consent_text(CONSENT_VERSION)
