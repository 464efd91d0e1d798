"""The admin of models with change history (django-simple-history)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages for whoever may view the object; restoring an earlier version only for whoever may
    change it. The library's version page saves a POST for anyone who may view it: a reader could revert."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
