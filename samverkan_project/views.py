from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from samverkan_project.health import health_status


@never_cache
@require_GET
def healthz(request):
    status = health_status()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
