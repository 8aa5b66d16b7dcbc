"""The shipped .docx templates, one per document kind; build.py writes them."""
