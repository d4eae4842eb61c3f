"""The Rapid Review report of a review: its written sections, the assembled draft, every Word version and the
steps that end the review.

- `content`: the sections as data, the assembled content, what is missing and the Markdown preview (pure);
- `word`: the Word file (.docx) built from the assembled content (pure);
- `reads`: the frozen read objects the pages get and the report's rules that need no database (pure);
- `service`: assembling the content, reading and keeping versions, and the steps (role-checked, SQL).
"""
