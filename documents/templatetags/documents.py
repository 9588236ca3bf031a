"""The list of documents a record's page shows, as the signed-in viewer may see it."""

from django import template

from access import rules
from documents import selectors

register = template.Library()


@register.inclusion_tag("documents/_list.html", takes_context=True)
def document_list(context, record, add_url_name: str, may_add=None, access=None):
    """`may_add`: whether the viewer may add documents, where the page already knows (on a
    case, whether they may contribute); otherwise asked of access.rules. `access`: on a case,
    the viewer's grants on it, read once by the page (access.rules.CaseAccess)."""
    viewer = context["request"].viewer
    return {
        "documents": list(selectors.documents_on(viewer=viewer, record=record, access=access)),
        "may_add": rules.may_add_document(viewer, record) if may_add is None else may_add,
        "add_url_name": add_url_name,
        "record": record,
        "current_organisation": context.get("current_organisation"),
    }
