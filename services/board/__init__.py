"""Board figures: aggregate timeliness for the partnership board, computed in SQL; numbers only.

Every figure counts the reviews whose notification was **received** in the chosen period (and their agency
returns and meetings), grouped by the financial-year quarter of that date (Q1 = April to June, so
"2026-27 Q3" is October to December 2026). Nothing the board sees carries a case reference, initials, a date
of one case or free text. The rules are written down in docs/board.md.

Import from the module that holds what you need (this package re-exports nothing):

- ``periods``  pure rules: financial-year quarters and periods, what counts as on time, the reason headings,
               the figures' frozen shapes and the headline tiles' numbers;
- ``queries``  the SQL aggregates that fill those shapes (the only module here that touches the database);
- ``service``  the role-checked entry points pages call: ``board_figures``, ``board_quarters``;
- ``wording``  the figures in words, each with its n, and each figure's table;
- ``charts``   one plotly chart per figure;
- ``pack``     the CSV and the printable HTML board pack.
"""
