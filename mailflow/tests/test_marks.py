"""The email's text with each value marked, and the line saying where a value came from."""

from mailflow.marks import Span, marked_text, review_build, source_text, span_bounds, value_line


def test_each_span_becomes_a_mark_saying_which_field_it_is():
    text = "Aluna Maria Souza, sala 207."
    html = marked_text(
        text,
        [Span("student", 6, 17, "Aluno(a)"), Span("room", 24, 27, "Sala", check=True)],
    )
    assert html == (
        'Aluna <mark class="value-mark" data-field="student" title="Aluno(a)">Maria Souza</mark>'
        ', sala <mark class="value-mark to-check" data-field="room" title="Sala">207</mark>.'
    )


def test_the_text_around_and_inside_marks_is_escaped():
    text = "<script>alert(1)</script> Nome: <b>Ana & Bia</b>"
    start = text.index("<b>")
    html = marked_text(text, [Span("student", start, len(text), 'a "title" <x>')])
    assert "<script>" not in html and "<b>" not in html
    assert html.startswith("&lt;script&gt;alert(1)&lt;/script&gt; Nome: ")
    assert (
        '<mark class="value-mark" data-field="student" title="a &quot;title&quot; &lt;x&gt;">'
        in (html)
    )
    assert "&lt;b&gt;Ana &amp; Bia&lt;/b&gt;</mark>" in html


def test_a_key_cannot_break_out_of_its_attribute():
    html = marked_text("abc", [Span('x" onmouseover="alert(1)', 0, 1, "t")])
    assert 'onmouseover="' not in html
    assert 'data-field="x&quot; onmouseover=&quot;alert(1)"' in html


def test_overlapping_spans_keep_the_earliest_and_longest():
    text = "Carlos Pereira Dias"
    html = marked_text(
        text,
        [
            Span("member:1", 7, 19, "b"),  # starts inside the first
            Span("member:0", 0, 14, "a"),
            Span("member:2", 0, 6, "c"),  # same start, shorter
        ],
    )
    assert html.count("<mark") == 1
    assert (
        html
        == '<mark class="value-mark" data-field="member:0" title="a">Carlos Pereira</mark> Dias'
    )


def test_spans_out_of_range_are_clamped_or_skipped():
    text = "0123456789"
    assert marked_text(text, [Span("a", -5, 3, "a")]).startswith(
        '<mark class="value-mark" data-field="a" title="a">012</mark>'
    )
    assert marked_text(text, [Span("a", 8, 500, "a")]).endswith(">89</mark>")
    for start, end in [(20, 30), (5, 5), (7, 3), (None, 4), (2, None), ("1", "4"), (True, 4)]:
        assert marked_text(text, [Span("a", start, end, "a")]) == text
    assert span_bounds(-1, 99, 10) == (0, 10)
    assert span_bounds(10, 12, 10) is None


def test_the_line_under_a_field_says_where_it_came_from():
    text = "Aluna Maria Souza."
    assert source_text({"start": 6, "end": 17, "rule": "prose", "check": "prose"}, text) == (
        "lido de: uma frase"
    )
    assert source_text({"start": None, "end": None, "rule": "staff", "check": ""}, text) == (
        "digitado pela equipe"
    )
    assert source_text({"start": None, "end": None, "rule": "label", "check": ""}, text) == (
        "não encontrado no texto do e-mail"
    )
    assert source_text({"start": 50, "end": 60, "rule": "prose", "check": ""}, text) == (
        "não encontrado no texto do e-mail"
    )
    assert source_text({"start": None, "end": None, "rule": "sender", "check": ""}, text) == (
        "lido de: o remetente (cabeçalho De)"
    )
    # values read from a header or a file name have no span in the text, and say so
    for rule, said in (
        ("subject", "lido de: o assunto do e-mail"),
        ("attachment", "lido de: o nome de um arquivo anexo"),
    ):
        entry = {"start": None, "end": None, "rule": rule, "check": ""}
        assert source_text(entry, text) == said
    assert source_text(None, text) == ""


def test_a_value_to_check_has_a_badge_with_the_reason():
    review = review_build(
        [("title", "título", "Redes"), ("room", "sala", "207"), ("link", "link", "")],
        provenance={
            "title": {"start": 0, "end": 5, "rule": "prose", "check": "prose"},
            "room": {"start": 10, "end": 13, "rule": "label", "check": ""},
        },
        checks={"title": "prose"},
        texts={None: "Redes, sala 207"},
    )
    assert [value.key for value in review.to_check] == ["title"]
    line = review.line("title")
    assert '<span class="check-badge">verificar</span>' in line
    assert "lido de uma frase, não de um campo rotulado" in line
    assert 'data-mark="title"' in line and "lido de: uma frase" in line
    assert "check-badge" not in review.line("room")
    assert review.line("link") == "" and value_line(None) == ""
    marked = review.marked(None)
    assert 'title="Título — verificar: lido de uma frase, não de um campo rotulado"' in marked
    assert 'class="value-mark to-check" data-field="title"' in marked


def test_spans_of_an_answer_mark_the_later_email():
    review = review_build(
        [("time", "horário", "14:00"), ("room", "sala", "207")],
        provenance={
            "time": {"start": 9, "end": 14, "rule": "label", "check": "", "email": 42},
            "room": {"start": 5, "end": 8, "rule": "label", "check": ""},
        },
        checks={},
        texts={None: "Sala 207.", 42: "Horário: 14:00"},
    )
    assert 'data-field="room"' in review.marked(None)
    assert 'data-field="time"' not in review.marked(None)
    assert 'data-field="time"' in review.marked(42)
    assert (
        review.values["time"].source
        == "lido de: um campo rotulado (num e-mail posterior deste caso)"
    )
