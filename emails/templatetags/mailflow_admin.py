from django import template

from mailflow.policy import policy_rows

register = template.Library()


@register.simple_tag
def approval_policy() -> list[tuple[str, str, str]]:
    return policy_rows()
