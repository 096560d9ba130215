# Responder's image: the web app, the Celery worker and beat, and the simulator all
# run from it with different commands (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    RESPONDER_VAR_DIR=/app/var

# gettext compiles the translations; nothing else is needed at run time
# (psycopg's binary wheel brings its own libpq).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, pinned as CI tested them, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# SECRET_KEY etc. below are build-time placeholders: production settings refuse to
# load without them; the real values come from the environment at run time.
RUN pip install --no-deps --no-build-isolation -e . \
    && useradd --system --create-home --uid 1000 responder \
    && mkdir -p /app/var \
    && export RESPONDER_ENV=production DJANGO_SETTINGS_MODULE=responder.settings \
       SECRET_KEY=build-time-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
         python manage.py compilemessages --ignore=var -v0; \
       fi \
    && python manage.py collectstatic --noinput -v0 \
    && chown -R responder:responder /app/var

USER responder
EXPOSE 8000

# The logger class redacts review-link tokens in gunicorn's access log.
CMD ["gunicorn", "responder.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "--logger-class", "responder.gunicorn_logging.RedactingLogger"]
