"""What every admin page shows staff: the MyAnonamouse session banner while MAM refuses it."""

from django.urls import reverse

from catalog.clients import mam_session


def mam_session_banner(request):
    """{"mam_session_banner": text} for staff on admin pages (one small read), else {}."""
    user = getattr(request, "user", None)
    if not (user and user.is_active and user.is_staff):
        return {}
    if not request.path.startswith(reverse("admin:index")):
        return {}
    return {"mam_session_banner": mam_session.banner_text()}
