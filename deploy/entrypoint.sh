#!/bin/sh
# The image's entrypoint (Dockerfile): one image, three long-running roles and one-off commands.
#   web         gunicorn (deploy/gunicorn.conf.py: WEB_HOST, WEB_PORT, WEB_CONCURRENCY)
#   worker      manage.py db_worker: sends the e-mails and SMS queued as tasks; run as many as needed
#   scheduler   manage.py run_scheduler: the daily jobs (SCHEDULE_* in .env.example); exactly one
#   manage ARGS manage.py ARGS, e.g. `manage migrate --noinput`, `manage backup_media -`
# The long-running roles start only if `manage.py check --deploy` finds no error: a misconfigured container stops
# at once with the reason instead of serving. Its report goes to stderr, so stdout stays the command's own.
set -eu

# The image's paths (Dockerfile) also when an env file sets these to nothing (`docker run --env-file .env`).
: "${STATIC_ROOT:=/app/staticfiles}" "${MEDIA_ROOT:=/data/media}" "${MUTUA_VAR_DIR:=/data/var}"
export STATIC_ROOT MEDIA_ROOT MUTUA_VAR_DIR

deploy_check() {
  python /app/manage.py check --deploy --fail-level ERROR >&2
}

case "${1:-web}" in
  web)
    deploy_check
    exec gunicorn --config /app/deploy/gunicorn.conf.py config.wsgi:application
    ;;
  worker)
    shift
    deploy_check
    exec python /app/manage.py db_worker "$@"
    ;;
  scheduler)
    shift
    deploy_check
    exec python /app/manage.py run_scheduler "$@"
    ;;
  manage)
    shift
    exec python /app/manage.py "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
