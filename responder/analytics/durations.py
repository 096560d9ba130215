"""Durations as a person reads them: "7 min", "1 h 20", "1,5 j" / "1.5 d".

The analytics figures are hours (floats); the tables and headline figures on the
page show them with this, in the reader's language and number format. CSV exports
keep the plain hours.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _


class Hours(float):
    """A figure in hours: CSV writes it as the number, the page as a duration."""


def duration_text(hours: float | None) -> str:
    """Under an hour in minutes, under a day in hours and minutes, else in days with
    one decimal (locale decimal separator)."""
    if hours is None:
        return "–"
    minutes = round(hours * 60)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    if minutes < 24 * 60:
        h, m = divmod(minutes, 60)
        if m == 0:
            return _("%(hours)s h") % {"hours": h}
        return _("%(hours)s h %(minutes)02d") % {"hours": h, "minutes": m}
    days = number_format(round(hours / 24, 1), decimal_pos=1, use_l10n=True)
    return _("%(days)s d") % {"days": days}
