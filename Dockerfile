# One image for web, worker, beat and the mock providers (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    TROCAP_VAR_DIR=/data \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies']))" > requirements.txt \
    && pip install --no-cache-dir -r requirements.txt -c constraints.txt

COPY . .
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && useradd --system --home /app --uid 1000 trocap \
    && mkdir -p /data /mock && chown trocap /data /mock
USER trocap
VOLUME ["/data"]
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
