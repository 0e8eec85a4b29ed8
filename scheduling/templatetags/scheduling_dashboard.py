from django import template

from scheduling.admin.dashboard import dashboard as render_dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard(context):
    """The admin index's dashboard (scheduling/admin/dashboard.py), already escaped."""
    return render_dashboard(context["request"])
