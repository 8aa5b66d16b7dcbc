"""Every hostile message on file is documented: what it tries and what must happen."""

from pathlib import Path

HERE = Path(__file__).parent


def test_every_message_file_has_a_row_in_the_readme():
    readme = (HERE / "README.md").read_text()
    files = sorted(p.name for p in (HERE / "messages").glob("*.eml"))
    missing = [name for name in files if f"`{name}`" not in readme]
    assert not missing, f"messages without a row in hostile/README.md: {missing}"


def test_every_documented_message_exists():
    import re

    readme = (HERE / "README.md").read_text()
    named = set(re.findall(r"`([\w.-]+\.eml)`", readme))
    absent = sorted(n for n in named if not (HERE / "messages" / n).exists())
    assert not absent, f"hostile/README.md names files that are not in messages/: {absent}"
