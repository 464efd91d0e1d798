"""gunicorn's settings beyond the Procfile's command line; gunicorn reads this file from the working directory.

A request line longer than gunicorn reads (``limit_request_line``) or headers beyond its limits never reach
Django: gunicorn answers them itself, with an HTML page. The API's clients get JSON errors everywhere, so
gunicorn's own error answers are written as ``{"detail": …}`` too (same status and reason). gunicorn reads
request lines a little longer than ``REQUEST_URL_MAX_LENGTH``, so up to there the application answers (414
with its message in the site's language), and gunicorn only beyond (at most 8190, its ceiling).
"""

import json
import os

from gunicorn import util

REQUEST_LINE_OVERHEAD = 64  # the method, the spaces and "HTTP/1.1" around the URL
limit_request_line = min(8190, int(os.environ.get("REQUEST_URL_MAX_LENGTH") or 4000) + REQUEST_LINE_OVERHEAD)


def write_json_error(sock, status_int, reason, mesg):
    """gunicorn's ``util.write_error``, answering JSON instead of HTML."""
    body = json.dumps({"detail": f"{reason}: {mesg}" if mesg else reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_json_error
