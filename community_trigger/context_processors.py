"""What every staff page shows about the ASB Case Review: prompts to explain it to a victim
who has just made a second report in six months (2025 guidance), until recorded."""

from django.utils.functional import SimpleLazyObject

from community_trigger import selectors


def prompts(request):
    """Read when a template first uses them (the layout does, on every full page): a response
    rendered without the layout (a fragment, a file) does not query them. SimpleLazyObject
    reads them once however often the template asks."""
    viewer = getattr(request, "viewer", None)
    if viewer is None or not request.user.is_authenticated:
        return {}
    return {"case_review_prompts": SimpleLazyObject(lambda: selectors.prompts_for(viewer=viewer))}
