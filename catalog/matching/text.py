"""Input as the matcher reads it: any value as text, cut before any work."""

MAX_LENGTH = 1000  # longer input is truncated before any work


def as_text(value):
    """Any value as text, cut to MAX_LENGTH before any other work."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value[: MAX_LENGTH * 4].decode("utf-8", "replace")
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # a __str__ that raises is junk like any other
        return ""
    return text[:MAX_LENGTH]
