"""The web server: a dashboard for people, a REST API for machines, on GoogleAdsMCCService.

``mcclink web`` builds the app with ``mcclink.web.app.create_app``; ``security`` holds who may
use it (bearer token, session cookie, CSRF), ``api`` the ``/api/v1`` routes, ``pages`` the
server-rendered pages, ``problems`` the JSON problem documents.
"""

from mcclink.extras import require

require("web")
