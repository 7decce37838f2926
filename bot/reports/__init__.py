"""Reports for governors and the Board, the DSL's case chronology, and retention.

- :mod:`.period` periods and the term/review calendar;
- :mod:`.figures` counts and durations gathered from the database (exact);
- :mod:`.anonymise` "fewer than 3" small-count suppression applied before anything is shown;
- :mod:`.charts`, :mod:`.html`, :mod:`.pdf` drawing and rendering;
- :mod:`.monitoring` the termly monitoring report, :mod:`.review` the annual review pack;
- :mod:`.chronology` one incident's whole story for entitled people;
- :mod:`.retention` removing closed incidents past the retention period;
- :mod:`.links` signed expiring links, :mod:`.delivery` the term scheduler and outbox kinds.
"""
