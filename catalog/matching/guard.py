"""The guard of the matcher's public functions: a matcher bug must not stop a job."""

import functools
import logging

logger = logging.getLogger("catalog.matching")


def never_raises(default):
    """Return default (and log) instead of raising: a matcher bug must not stop a job.

    The jobs call these functions on whatever a tracker or a web page sent; one odd title
    should cost one match, not the run. The wrapped function stays reachable as
    __wrapped__, so the tests can still see an internal error.
    """

    def decorate(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:
                logger.exception("%s failed; answering %r", function.__name__, default)
                return default

        return guarded

    return decorate
