"""What every staff page shows about the ASB Case Review: prompts to explain it to a victim
who has just made a second report in six months (2025 guidance), until recorded."""

from community_trigger import selectors


def prompts(request):
    viewer = getattr(request, "viewer", None)
    if viewer is None or not request.user.is_authenticated:
        return {}
    return {"case_review_prompts": selectors.prompts_for(viewer=viewer)}
