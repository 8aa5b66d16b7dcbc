"""Showing HTML that came from outside (an email body) inside our pages."""

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def sanitised(html: str) -> SafeString:
    """nh3 drops scripts, event handlers, styles and javascript: links; images are dropped
    too, so opening a message in the admin cannot tell its sender anything."""
    clean = nh3.clean(
        html,
        tags=nh3.ALLOWED_TAGS - {"img"},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised just above


# nh3 (html5ever) takes time quadratic in the nesting depth: 200,000 nested <div>s (2 MB)
# took 140 s. Above either limit an email's HTML is shown as text instead. Real mail stays
# far below both: a long newsletter is a few hundred KB, nested a few dozen levels.
HTML_SHOW_MAX_CHARS = 1_000_000
HTML_SHOW_MAX_DEPTH = 100

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*?(/?)>")
# Elements that never have content, so never nest.
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


def nesting_depth(html: str, *, stop_at: int | None = None) -> int:
    """How deep elements nest, in one linear scan of the tags (a close tag closes one
    level, whatever its name: an estimate, which is all a limit needs). Stops counting
    once ``stop_at`` is passed."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    break
    return deepest


def too_complex_to_show(html: str) -> str:
    """Why this HTML is shown as text instead ("" when it can be shown)."""
    if len(html) > HTML_SHOW_MAX_CHARS:
        return _(
            "The HTML of this message is too large to be shown safely (%(size)s characters, "
            "limit %(limit)s); its text version is shown instead."
        ) % {
            "size": f"{len(html):,}".replace(",", "."),
            "limit": f"{HTML_SHOW_MAX_CHARS:,}".replace(",", "."),
        }
    if nesting_depth(html, stop_at=HTML_SHOW_MAX_DEPTH) > HTML_SHOW_MAX_DEPTH:
        return _(
            "The HTML of this message nests more than %(limit)d levels deep, too many to be "
            "shown safely; its text version is shown instead."
        ) % {"limit": HTML_SHOW_MAX_DEPTH}
    return ""
