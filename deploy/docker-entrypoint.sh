#!/bin/sh
# Starts one service of the monorepo as PID 1 (exec), so SIGTERM reaches its shutdown
# handler. SERVICE picks it; any other command given to the container runs instead.
set -eu

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

case "${SERVICE:-}" in
  gateway | chat | broadcast) ;;
  *)
    echo "docker-entrypoint: SERVICE must be gateway, chat or broadcast (got '${SERVICE:-}')" >&2
    exit 64
    ;;
esac

exec node --import tsx "services/${SERVICE}/src/main.ts"
