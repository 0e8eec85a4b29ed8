FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 --home /app app \
    && mkdir -p /app/data /app/staticfiles \
    && DEBUG=true python manage.py collectstatic --no-input -v0 \
    && chown -R app:app /app/data /app/staticfiles

# Never root at run time.
USER app
ENV DATABASE_URL=sqlite:////app/data/db.sqlite3 SCHEDULER_LOCK_FILE=/app/data/.scheduler.lock
EXPOSE 8000
CMD ["gunicorn", "audiobook_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
