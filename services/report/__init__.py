"""The Rapid Review report of a review: its written sections, the assembled draft, every Word version and the
steps that end the review.

- `content`: the sections as data, the assembled content, what is missing and the Markdown preview (pure);
- `word`: the Word file (.docx) built from the assembled content (pure);
- `reads`: the frozen read objects the pages get and the report's rules that need no database (pure);
- `versions`: what the steps share: the review locked for a step, storing the next version, the sign-off in force;
- `service`: assembling the content, reading the report, and the steps up to the sign-off (role-checked, SQL);
- `panel`: the submission to the National Panel (and Ofsted) and their responses (role-checked, SQL).
"""
