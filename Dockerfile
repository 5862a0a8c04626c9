# Dutyflow worker / API / intake image. One image, the command picks the part:
#   dutyflow worker | dutyflow api | dutyflow intake
FROM python:3.11.10-slim-bookworm
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
# Pango and fonts for WeasyPrint, which prints each report as the PDF a clinic keeps or faxes.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev && useradd --system --uid 10001 dutyflow
USER dutyflow
ENV PATH="/app/.venv/bin:$PATH" DUTYFLOW_ENVIRONMENT=production
CMD ["dutyflow", "worker"]
