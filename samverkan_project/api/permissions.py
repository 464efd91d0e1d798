from rest_framework.permissions import BasePermission, DjangoModelPermissions


class ModelPermissionsWithView(DjangoModelPermissions):
    """Django model permissions where reading needs the model's ``view`` permission too."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


def requires(*permissions: str) -> type[BasePermission]:
    """A permission class: an authenticated user holding every one of ``permissions``."""

    class Required(BasePermission):
        def has_permission(self, request, view) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(permissions))

    Required.__name__ = Required.__qualname__ = "Requires_" + "_".join(p.replace(".", "_") for p in permissions)
    return Required
