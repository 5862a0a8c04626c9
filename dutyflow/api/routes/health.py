"""What anyone may ask, without a token: is the API alive, and its Prometheus metrics.

GET /health     {"status": "ok"}
GET /metrics    request counts and latency by route template, reports opened, clinician
                steps refused by step (`dutyflow.observability.metrics`); never an id
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.api.deps import MetricsDep
from dutyflow.observability.metrics import CONTENT_TYPE_LATEST

router = APIRouter()


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(metrics: MetricsDep) -> Response:
    """Prometheus exposition of this API's metrics (request counts and latency by route
    template, reports opened, clinician step refusals by step)."""
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
