"""The daily log: an append-only record of every action on a review, its search, exports and the case folder register.

- `rules`: what an entry and a filter may hold, and the read objects (pure);
- `service`: writing entries, searching the log, the case folder register (role-checked, SQL);
- `exports`: the CSV and Excel files of the entries the filters match.

The database refuses UPDATE, DELETE and TRUNCATE on `daily_log` (migration 0001). A mistake is put right
by a new entry whose `corrects_id` names the entry it corrects; both stay visible.
"""
