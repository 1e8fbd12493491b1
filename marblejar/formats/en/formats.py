# One format for people everywhere: "1 Dec 2026" for a day, "1 Dec 2026, 14:05"
# for a moment. Machines get ISO 8601 (the API, exports, <time datetime>).
# Names Django does not find here (input formats, ...) come from its own locale.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
