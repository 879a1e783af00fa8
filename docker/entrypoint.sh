#!/bin/sh
# Entrypoint of the service image: `web`, `worker` or `migrate` (anything else runs as given).
# Waits for the database, then drops root for the labelart user.
set -eu

: "${LABELART_URL_PREFIX:=/label}"
: "${LABELART_WEB_PROCESSES:=4}"
: "${LABELART_WORKER_QUEUES:=default,imports,exports,webhooks,ml}"
: "${LABELART_DB_WAIT:=120}"
export LABELART_URL_PREFIX LABELART_WEB_PROCESSES

as_labelart() {
    if [ "$(id -u)" = 0 ]; then
        # The data volume may arrive owned by root.
        chown labelart:labelart "${LABELART_DATA_DIR:-/data}"
        exec setpriv --reuid=labelart --regid=labelart --init-groups "$@"
    fi
    exec "$@"
}

wait_for_database() {
    python - <<'PY'
import os, sys, time
from sqlalchemy import create_engine, text
url = os.environ.get("DATABASE_URL")
if not url:
    sys.exit(0)
deadline = time.monotonic() + int(os.environ.get("LABELART_DB_WAIT", "120"))
while True:
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        break
    except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
        if time.monotonic() > deadline:
            sys.exit(f"the database did not answer: {exc}")
        time.sleep(2)
PY
}

role="${1:-web}"
case "$role" in
    web)
        wait_for_database
        as_labelart uwsgi --ini /etc/labelart/uwsgi.ini
        ;;
    worker)
        wait_for_database
        as_labelart python -m worker worker --queues "$LABELART_WORKER_QUEUES"
        ;;
    migrate)
        wait_for_database
        as_labelart python -m worker init
        ;;
    *)
        exec "$@"
        ;;
esac
