"""Template tags of the review pages (templates/admin/review/)."""

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def value_line(context, name: str) -> SafeString:
    """The line under a field saying where its value came from (mailflow.marks)."""
    review = context.get("review")
    return review.line(name) if review is not None and name else SafeString("")
