"""Navigation for the base layout: the menu of the user's role."""

from org.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    current = getattr(getattr(request, "resolver_match", None), "view_name", None)
    return {"nav_items": menu_for(user), "nav_current": current}
