"""What the MyAnonamouse account allows a run to grab: the careful member's rules.

- Ratio-free first: a release that costs no ratio (site freeleech, VIP freeleech for a VIP
  account, a personal freeleech already bought) gets FREELEECH_POINTS in the release
  score (catalog/downloads.py): a weight, not a rule.
- Only freeleech is grabbed with MAM_FREELEECH_ONLY on, or while the ratio is under
  MAM_MIN_RATIO (an unknown ratio counts as under it).
- The unsatisfied limit: nothing is sent once MAM's unsatisfied count, plus the grabs
  sent since that reading (MAM may not count them yet), plus MAM_UNSAT_RESERVE reaches
  the class's limit. The books stay wanted.
- Wedges are never spent; nothing here or in the client buys freeleech.
"""

from dataclasses import dataclass

from django.conf import settings

# As much as the first format: a freeleech mp3 beats an m4b that costs ratio even when the
# m4b has every seeder point and the mp3 none (15 + 10 < 30).
FREELEECH_POINTS = 30


@dataclass
class AccountRules:
    account: object  # a MamAccount reading

    def free_kind(self, torrent):
        """How the torrent costs no ratio for this account, in words; "" when it costs ratio."""
        if torrent.free:
            return "site freeleech"
        if torrent.fl_vip and self.account.is_vip:
            return "VIP freeleech"
        if torrent.personal_freeleech:
            return "personal freeleech"
        return ""

    def only_freeleech(self):
        """Why only freeleech may be grabbed now, or "" when anything may."""
        if settings.MAM_FREELEECH_ONLY:
            return "MAM_FREELEECH_ONLY is on"
        ratio = self.account.ratio
        if ratio is None:
            return "MAM did not say the ratio"
        if ratio < settings.MAM_MIN_RATIO:
            return f"the ratio {ratio:.2f} is under MAM_MIN_RATIO {settings.MAM_MIN_RATIO:g}"
        return ""

    def unsatisfied_block(self, dry_sent=0):
        """Why no more may be sent (the unsatisfied limit), or "" while there is room.

        dry_sent: releases a dry run "sent" this run, counted as if they were real.
        """
        account = self.account
        if account.unsat_count is None or account.unsat_limit is None:
            return "MAM did not say the unsatisfied count and limit"
        pending = account.grabs_since_reading() + dry_sent
        used = account.unsat_count + pending + settings.MAM_UNSAT_RESERVE
        if used < account.unsat_limit:
            return ""
        since = f" + {pending} sent since the reading" if pending else ""
        return (
            f"unsatisfied torrents {account.unsat_count}{since} + reserve "
            f"{settings.MAM_UNSAT_RESERVE} (MAM_UNSAT_RESERVE) reach the limit of "
            f"{account.unsat_limit}"
        )
