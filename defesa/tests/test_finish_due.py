"""Which approved defences are finished: both their messages left (one query)."""

from django.utils import timezone

from defesa import selectors
from defesa.models import DefenseRequest
from sender import services as outbox
from sender.models import OutboundMessage


def _approved(*, sent: list[str]) -> DefenseRequest:
    defense = DefenseRequest.objects.create(status=DefenseRequest.Status.APPROVED)
    for purpose in ("chamado", "documents"):
        message = outbox.outbound_compose(
            email=None,
            case_key=f"defense:{defense.pk}",
            purpose=purpose,
            body_text=purpose,
            to="coordenacao@ifes.edu.br",
            subject=purpose,
        )
        if purpose in sent:
            OutboundMessage.objects.filter(pk=message.pk).update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now()
            )
    return defense


def test_finish_due_is_one_query_and_needs_both_messages(db, django_assert_num_queries):
    both = _approved(sent=["chamado", "documents"])
    _approved(sent=["chamado"])
    _approved(sent=["documents"])
    _approved(sent=[])
    # a defence whose id is a prefix of the finished one's ("defense:1" and "defense:12")
    also = [_approved(sent=["chamado", "documents"]) for _ in range(9)]
    with django_assert_num_queries(1):
        due = selectors.finish_due()
    assert due == [both.pk, *(d.pk for d in also)]
