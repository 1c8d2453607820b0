"""The REST API under /api/v1: the CLI's operations and ``--json`` shapes over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mcclink.web.security import require_api_token

router = APIRouter(dependencies=[Depends(require_api_token)])
