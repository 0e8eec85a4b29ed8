"""MAM's account answer (`jsonLoad.php?snatch_summary`) -> the fields of MamAccount.

Observed, not documented (PROVIDERS-DETAIL.md section 2): `classname`, `ratio` (a number,
sometimes a string), `seedbonus`, `wedges`, `vip_until` ("YYYY-MM-DD HH:MM:SS" or null),
and `unsat` {count, limit, ...} either at the top level or under `snatch_summary`: both
are read. An answer without `uid` or `username` is a logged-out session.
"""

import math
from datetime import UTC, datetime

from catalog.clients.http import BadResponse
from catalog.clients.mam_session import SessionRefused

SERVICE = "MyAnonamouse"
_LARGEST = 2**31 - 1


def parse_account(data):
    if not data.get("uid") and not data.get("username"):
        raise SessionRefused("its account answer names no user: logged out")
    unsat = data.get("unsat")
    if not isinstance(unsat, dict):
        summary = data.get("snatch_summary")
        unsat = summary.get("unsat") if isinstance(summary, dict) else None
    if not isinstance(unsat, dict):
        raise BadResponse(SERVICE, "the account answer has no unsatisfied count (unsat)")
    return {
        "classname": str(data.get("classname") or "")[:64],
        "ratio": _ratio(data.get("ratio")),
        "vip_until": _moment(data.get("vip_until")),
        "seedbonus": _whole(data.get("seedbonus"), largest=2**62),
        "wedges": _whole(data.get("wedges")),
        "unsat_count": _whole(unsat.get("count")),
        "unsat_limit": _whole(unsat.get("limit")),
    }


def _ratio(value):
    """A ratio as a number; "Inf" (nothing downloaded yet) is kept as a very large one."""
    try:
        ratio = float(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None
    if math.isnan(ratio) or ratio < 0:
        return None
    return min(ratio, 1e9)


def _whole(value, largest=_LARGEST):
    try:
        number = int(float(str(value).replace(",", "")))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number <= largest else None


def _moment(value):
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
