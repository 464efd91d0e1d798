"""The admin of models with change history (django-simple-history)."""

from collections.abc import Callable

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

# Notes other apps add to history rows, as extra columns of the history page: (column title as an English
# msgid, provider(history model, history ids of the page) -> {history id: text}). integrations adds the API
# token a change was made with, and who issued it.
HistoryNoteProvider = Callable[[type, list], dict]
_history_notes: list[tuple[str, HistoryNoteProvider]] = []


def register_history_note(title: str, provider: HistoryNoteProvider) -> None:
    """Show ``provider``'s notes as a column titled ``title`` on every history page that has any."""
    if all(existing != title for existing, _provider in _history_notes):
        _history_notes.append((title, provider))


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages for whoever may view the object; restoring an earlier version only for whoever may
    change it. The library's version page saves a POST for anyone who may view it: a reader could revert."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        """The registered notes for the page's rows (one query each), as columns only where a row has one."""
        if "page_obj" not in context:  # a version's page (history_form_view) renders through here too
            return super().render_history_view(request, template, context, **kwargs)
        records = list(context["page_obj"].object_list)
        added = []
        for title, provider in _history_notes:
            notes = provider(type(records[0]), [record.pk for record in records]) if records else {}
            if notes:
                for record in records:
                    # The template reads each column as an attribute of the record (getattribute).
                    setattr(record, title, notes.get(record.pk, ""))
                added.append(title)
        if added:
            context["history_list_display"] = [*context["history_list_display"], *added]
        return super().render_history_view(request, template, context, **kwargs)
