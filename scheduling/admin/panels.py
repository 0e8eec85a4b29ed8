"""Panels other apps add to the jobs page, named by dotted path in settings.JOBS_PAGE_PANELS.

The engine stays unaware of audiobooks (it never imports catalog): catalog lists its
MyAnonamouse account panel there, as it lists its jobs in the registry. A panel is a
function (request) -> HTML (already escaped, e.g. render_to_string) or "" to show nothing.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe


def jobs_page_panels(request):
    panels = (import_string(dotted)(request) for dotted in settings.JOBS_PAGE_PANELS)
    return [mark_safe(html) for html in panels if html]  # panels render their own templates
