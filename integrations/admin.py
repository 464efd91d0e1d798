"""API tokens in the admin: issue one (its key is shown once, on the page after saving) and revoke them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations.models import ApiToken
from integrations.services import api_token_create, api_token_issue_refusal, api_token_revoke


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "read_only", "expires_at"]

    def clean_user(self):
        account = self.cleaned_data["user"]
        refusal = api_token_issue_refusal(issuer=self.issuer, account=account)
        if refusal:
            raise ValidationError(refusal)
        return account


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return (("no", _("In use")), ("yes", _("Revoked")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "read_only", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    list_filter = ["read_only", RevokedFilter]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["revoke_tokens"]
    readonly_fields = ["user", "read_only", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    fields = ["user", "name", "read_only", "expires_at", "prefix", "created_at", "created_by", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ApiTokenAddForm.Meta.fields if obj is None else [*self.fields, "revoked_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.issuer = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            expires_at=form.cleaned_data["expires_at"],
            by=request.user,
        )
        obj.pk = token.pk
        obj.__dict__.update({field.attname: getattr(token, field.attname) for field in ApiToken._meta.concrete_fields})
        request._api_token_key = key

    def response_add(self, request, obj, post_url_continue=None):
        """The key, once: it is not stored, so this page is the only place it is ever shown."""
        response = TemplateResponse(
            request,
            "admin/integrations/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Copy the key now"),
                "opts": self.opts,
                "token": obj,
                "key": request._api_token_key,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        """Revoke each selected token through the service; revoked ones stay revoked."""
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
