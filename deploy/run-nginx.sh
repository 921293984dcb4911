#!/usr/bin/env bash
# Serve a class: N tinynet-playground servers on free loopback ports and nginx on PORT in front
# of them (deploy/nginx.conf), in the foreground. Ctrl-C or SIGTERM stops all of them.
#
#   deploy/run-nginx.sh PORT N
#
# It first checks that PORT is free on the address (and says what holds it if not: Debian's
# nginx package starts a default site on port 80), and prints the address once nginx listens.
#
# Environment (all optional):
#   TINYNET_ADDRESS     address nginx listens on (default 0.0.0.0: the whole network)
#   TINYNET_ORIGINS     host names students reach it by, space-separated (default: this
#                       machine's name); HOST:PORT, 127.0.0.1:PORT and localhost:PORT are added
#   TINYNET_SERVER_CMD  the server command (default: tinynet-playground if on PATH, else
#                       `python3 -m app.cli` run from this checkout)
#   TINYNET_RUN_DIR     where the config, pid, logs (server-K.log, error.log, access.log) go
#                       (default: a new temporary directory, kept for its logs)
#   TINYNET_NGINX       the nginx binary (default: nginx on PATH, or /usr/sbin/nginx)
#   TINYNET_CLASS_STORE a Redis URL (redis://HOST:PORT/DB): class mode, the servers sharing
#                       one class there; the teacher's address is printed with the others'
set -euo pipefail

usage() { echo "usage: $0 PORT N  (N playground servers behind nginx on PORT)" >&2; exit 2; }
[ $# -eq 2 ] || usage
PORT=$1
N=$2
[[ "$PORT" =~ ^[0-9]+$ && "$N" =~ ^[0-9]+$ && "$N" -ge 1 ]] || usage

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ADDRESS=${TINYNET_ADDRESS:-0.0.0.0}

bind_error() {  # why ADDRESS:PORT cannot be listened on ("in use", "denied", ...), or nothing
    python3 - "$ADDRESS" "$PORT" << 'EOF'
import errno, socket, sys
address, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds
try:
    s.bind((address, port))
except OSError as e:
    print({errno.EADDRINUSE: "in use", errno.EACCES: "denied"}.get(e.errno, e.strerror))
EOF
}
holders() {  # the processes listening on TCP port $1, as "nginx (pid 812)", from ss -ltnp
    ss -Hltnp "sport = :$1" 2> /dev/null | grep -o '"[^"]*",pid=[0-9]*' \
        | sed -E 's/"([^"]*)",pid=([0-9]+)/\1 (pid \2)/' | sort -u | paste -sd, - | sed 's/,/, /g'
}
why=$(bind_error)
case $why in
    "") ;;
    "in use")
        who=$(holders "$PORT")
        echo "port $PORT is already in use on $ADDRESS, by ${who:-another process (sudo ss -ltnp" \
             "'sport = :$PORT' shows which)}: stop it or choose another port." >&2
        case $who in *nginx*)
            echo "If it is Debian's nginx with its default site: sudo systemctl stop nginx" \
                 "(and sudo systemctl disable nginx to keep it off), or remove" \
                 "/etc/nginx/sites-enabled/default and sudo systemctl reload nginx." >&2 ;;
        esac
        exit 1 ;;
    denied)
        echo "port $PORT is below 1024: only root may listen on it (sudo $0 $PORT $N)," \
             "or choose a port such as 8080." >&2
        exit 1 ;;
    *)  echo "cannot listen on $ADDRESS:$PORT: $why" >&2; exit 1 ;;
esac

RUN=${TINYNET_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tinynet-nginx.XXXXXX")}
mkdir -p "$RUN"
chmod 755 "$RUN"  # nginx's workers (www-data when started as root) use its temporary folders
NGINX=${TINYNET_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx not found (Debian: apt-get install nginx)" >&2; exit 1; }
if [ -n "${TINYNET_SERVER_CMD:-}" ]; then
    read -r -a SERVER <<< "$TINYNET_SERVER_CMD"
elif command -v tinynet-playground > /dev/null; then
    SERVER=(tinynet-playground)
else
    SERVER=(python3 -m app.cli)
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
fi
ORIGINS=()
for host in ${TINYNET_ORIGINS:-$(hostname)} 127.0.0.1 localhost; do
    case $host in *:*) ORIGINS+=(--allow-websocket-origin "$host") ;;
                   *) ORIGINS+=(--allow-websocket-origin "$host:$PORT") ;; esac
done

CLASS=()
if [ -n "${TINYNET_CLASS_STORE:-}" ]; then  # the address learners type: the first origin's
    first=${TINYNET_ORIGINS:-$(hostname)}
    first=${first%% *}
    case $first in *:*) ;; *) [ "$PORT" = 80 ] || first="$first:$PORT" ;; esac
    CLASS=(--class --class-store "$TINYNET_CLASS_STORE" --class-url "http://$first/")
fi

PIDS=()
stop() {  # SIGTERM to nginx and every server, SIGKILL to any left after 5 s
    trap - TERM INT
    [ ${#PIDS[@]} -eq 0 ] || kill -TERM "${PIDS[@]}" 2> /dev/null || true
    for _ in $(seq 50); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    [ $alive -eq 0 ] || kill -KILL "${PIDS[@]}" 2> /dev/null || true
    wait 2> /dev/null || true
}
trap 'stop; exit 0' TERM INT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVERS=""
PORTS=()
for k in $(seq "$N"); do
    p=$(free_port)
    PORTS+=("$p")
    "${SERVER[@]}" --no-show --build-on-connect --address 127.0.0.1 --port "$p" \
        "${ORIGINS[@]}" ${CLASS[@]+"${CLASS[@]}"} \
        > "$RUN/server-$k.log" 2>&1 &
    PIDS+=($!)
    SERVERS+="        server 127.0.0.1:$p max_fails=0;"$'\n'
done
sed -e "s|@RUN@|$RUN|g" -e "s|@LISTEN@|$ADDRESS:$PORT|g" "$HERE/nginx.conf" \
    | awk -v servers="$SERVERS" '/^@SERVERS@$/ { printf "%s", servers; next } { print }' \
    > "$RUN/nginx.conf"
# wait until every server listens (an import of the app takes a few seconds)
for k in $(seq "$N"); do
    until (exec 3<> "/dev/tcp/127.0.0.1/${PORTS[$((k - 1))]}") 2> /dev/null; do
        kill -0 "${PIDS[$((k - 1))]}" 2> /dev/null || {
            echo "server $k failed:" >&2; cat "$RUN/server-$k.log" >&2; stop; exit 1; }
        sleep 0.2
    done
done
"$NGINX" -e "$RUN/error.log" -p "$RUN" -c "$RUN/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
case $ADDRESS in 0.0.0.0 | "::") PROBE=127.0.0.1 ;; *) PROBE=$ADDRESS ;; esac
until (exec 3<> "/dev/tcp/$PROBE/$PORT") 2> /dev/null; do  # the address once nginx listens
    kill -0 "${PIDS[-1]}" 2> /dev/null || {
        echo "nginx failed to start ($RUN/error.log):" >&2
        tail -n 5 "$RUN/error.log" >&2; stop; exit 1; }
    sleep 0.1
done
echo "tinynet playground at http://$ADDRESS:$PORT/ : nginx in front of $N servers;" \
     "config and logs in $RUN" >&2
if [ ${#CLASS[@]} -gt 0 ]; then  # every server prints the same (they agree through Redis)
    grep -m1 '^teacher: ' "$RUN/server-1.log" || true
fi

# in the foreground until a signal, or until nginx or a server ends (then stop the rest)
set +e
wait -n "${PIDS[@]}"
status=$?
echo "a process ended (exit $status); stopping the others" >&2
stop
exit 1
