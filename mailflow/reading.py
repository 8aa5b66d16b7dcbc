"""What the reading of an email tells a person: where each value came from (the rule that
read it) and why a value should be checked. Shared by the defence and lab-access
extractions, which store codes; people see these labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The rule that found a value (Found.rule in the extractions).
RULES = {
    "label": _("a labelled field"),
    "table": _("a table row"),
    "named": _("a sentence naming the student"),
    "self": _("a sentence where the person introduces themself"),
    "prose": _("a sentence"),
    "committee": _("the committee list"),
    "signature": _("the signature"),
    "sender": _("the sender (From header)"),
    "subject": _("the email's subject"),
    "attachment": _("the name of an attached file"),
    "cc": _("the copied addresses (Cc header)"),
    "forward": _("the original sender of the forward"),
    "staff": _("typed by staff"),
    "quoted": _("the earlier message quoted in the reply"),
}

# Why a person should look at a value before anything goes out.
CHECK_REASONS = {
    "prose_named": _("read from a sentence that names the student"),
    "prose_self": _("read from a sentence where the person introduces themself"),
    "names_differ": _("the signature and the sender's name differ"),
    "forwarder_assumed": _("taken to be who forwarded the message"),
    "sender_assumed": _("no student is named: taken to be who sent the request"),
    "no_address": _("no address was given for the student"),
    "prose": _("read from a sentence, not from a labelled field"),
    "role_from_context": _("the role was inferred from the context"),
    "two_candidates": _("a guess between two values"),
    "several_defences": _("the email asks for more than one defence"),
    "several_students": _("the email names more than one student: one request each"),
    "from_subject": _("read from the email's subject only: no whole name in the text"),
    "from_attachment": _("read from the name of an attached file only: no whole name in the text"),
    "quoted": _("read from the earlier message quoted below the reply: check it still holds"),
    "name_case": _("written all in lower or upper case: the capitals were put in by mailflow"),
    "copied_student": _(
        "taken from the copied addresses (Cc): the email asks for the student in copy"
    ),
    "student_not_named": _(
        "the email asks for a student it does not name: a person reads it and fills in the name"
    ),
}


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


def check_label(code: str) -> str:
    return str(CHECK_REASONS.get(code, code))
