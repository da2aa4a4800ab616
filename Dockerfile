# The monitor service image: `docker compose up` runs it beside PostgreSQL and a mail sink.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install --no-cache-dir .
COPY feeds ./feeds
COPY monitor.toml ./
RUN mkdir -p state && useradd --system --home /app monitor && chown monitor /app/state
USER monitor
VOLUME ["/app/state"]
EXPOSE 8080
ENTRYPOINT ["monitor", "--config", "/app/monitor.toml"]
CMD ["run"]
