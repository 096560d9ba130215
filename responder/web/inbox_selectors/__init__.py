"""Reads for the inbox page: filtered cases in keyset pages, capped counts, the live
"new since" count. The queries are shaped for a million cases: every page is a range
scan on (received_at, id) of one department's index, never OFFSET, and every count
stops at a cap.

- filters.py: what a read is asked for (InboxFilters, the keyset Cursor)
- access.py: which departments and cases a person's inbox shows
- page.py: one page of rows, and what each row shows (inbox_page, inbox_decorate)
- counts.py: the badges and the live poll (inbox_counts, inbox_live)
- menus.py: the cached filter menus and saved views
"""

from responder.web.inbox_selectors.access import inbox_access, inbox_visible_ids
from responder.web.inbox_selectors.counts import (
    COUNT_CAP,
    COUNT_NAMES,
    NEW_COUNT_CAP,
    SMALL_COUNT_CAP,
    inbox_counts,
    inbox_live,
)
from responder.web.inbox_selectors.filters import Cursor, InboxFilters
from responder.web.inbox_selectors.menus import (
    OPTIONS_CACHE_SECONDS,
    SAVED_VIEWS_CACHE_SECONDS,
    InboxOptions,
    SavedViewLink,
    inbox_options,
    saved_views_for,
    saved_views_forget,
    share_departments,
    shared_views_for,
)
from responder.web.inbox_selectors.page import (
    PAGE_SIZE,
    InboxPage,
    InboxRow,
    SlaInfo,
    inbox_decorate,
    inbox_page,
)

__all__ = [
    "COUNT_CAP",
    "COUNT_NAMES",
    "NEW_COUNT_CAP",
    "OPTIONS_CACHE_SECONDS",
    "PAGE_SIZE",
    "SAVED_VIEWS_CACHE_SECONDS",
    "SMALL_COUNT_CAP",
    "Cursor",
    "InboxFilters",
    "InboxOptions",
    "InboxPage",
    "InboxRow",
    "SavedViewLink",
    "SlaInfo",
    "inbox_access",
    "inbox_counts",
    "inbox_decorate",
    "inbox_live",
    "inbox_options",
    "inbox_page",
    "inbox_visible_ids",
    "saved_views_for",
    "saved_views_forget",
    "share_departments",
    "shared_views_for",
]
