"""The API's renderers: JSON, and DRF's browsable API for a person with a browser.

The browsable API's templates (DRF's own) style a few elements with ``style`` attributes and a ``<style>`` block, so
its pages add inline styles to the site's Content-Security-Policy; scripts stay files only (DRF passes its CSRF
settings as a JSON data block, which the policy does not treat as script)."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # django-csp's csp_update, for this one response: read by its middleware once the page is rendered.
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
