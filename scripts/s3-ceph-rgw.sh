#!/usr/bin/env bash
# (Copied from the community's shared test scripts so that a clean clone needs nothing beside it.)
# s3-ceph-rgw.sh - throwaway single-node Ceph RADOS Gateway (a real S3 server) for tests.
#
# What it sets up (Debian 12 packages, Ceph 16.2.15 "pacific"; everything on 127.0.0.1):
#   * 1 ceph-mon   (msgr2 only, 127.0.0.1:$CEPH_RGW_MON_PORT, default 40000), auth "none"
#   * 1 ceph-osd   (memstore: objects are kept in RAM, capacity $CEPH_RGW_MEMSTORE_BYTES,
#                   default 4 GiB; pool size 1, crush chooseleaf type 0); ports 6800-7300
#   * 1 radosgw    (beast frontend, http://127.0.0.1:$CEPH_RGW_PORT, default 7480)
#   * an S3 user "admin" with admin caps (users/buckets/metadata/usage/zone = *), so the
#     signed admin ops API under /admin/ works with its keys too.
#   No ceph-mgr (not needed by radosgw). Standalone DBStore is NOT available in 16.2.15
#   (no rgw_backend_store option; radosgw always needs a mon + osd).
#   Quotas: bucket-scope quotas are checked against fresh stats (rgw_bucket_quota_ttl=0)
#   and bite at once; user-scope quotas use stats synced every second
#   (rgw_user_quota_bucket_sync_interval=1; 0 would busy-loop), so they bite ~1 s late.
#   Lifecycle threads are off (rgw_enable_lc_threads=false): lifecycle rules are stored
#   but never run (with them on, radosgw takes ~5 s to stop during 00:00-06:00 UTC).
#
# Usage:
#   s3-ceph-rgw.sh start DIR   create DIR (must be absent or empty), start the daemons,
#                              wait until S3 answers, create the admin user and print
#                              KEY=VALUE lines on stdout:
#                                S3_ENDPOINT S3_REGION S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY
#                                CEPH_CONF (for radosgw-admin -c / ceph -c) CEPH_RGW_DIR
#                              Progress and errors go to stderr. Exit 0 once S3 answers.
#   s3-ceph-rgw.sh stop DIR    end the daemons it started (by the PIDs it recorded),
#                              then remove DIR.
#   Environment (optional): CEPH_RGW_PORT, CEPH_RGW_MON_PORT, CEPH_RGW_MEMSTORE_BYTES,
#     CEPH_RGW_ACCESS_KEY, CEPH_RGW_SECRET_KEY (default: random), CEPH_RGW_START_TIMEOUT (s).
#   Missing packages (ceph-mon ceph-osd radosgw ceph-common, --no-install-recommends) are
#   installed with apt-get (needs root; 62 packages, about 265 MB, about 20 s); the daemons
#   themselves run fine as a non-root user. Nothing is written outside DIR.
#   S3 clients must use path-style addressing (AWS SDK v3: forcePathStyle: true). With AWS
#   SDK v3 >= 3.729 set requestChecksumCalculation and responseChecksumValidation to
#   "WHEN_REQUIRED": the SDK default (aws-chunked trailing checksums) makes PutObject with a
#   stream body fail on 16.2. Quirks of 16.2.15: CompleteMultipartUpload answers with an
#   empty ETag (HeadObject has the right "...-N" one); the admin API's quota set works with
#   query parameters (max-objects, max-size-kb, enabled) - a JSON body needs an unsigned
#   payload.
#
# Measured on 2 cores / 24 GiB (Debian 12): start to S3-ready 1.2-1.4 s with the packages
#   present (about 20 s when it has to apt-get them first); RSS idle about 36 MB ceph-mon +
#   50 MB ceph-osd + 47 MB radosgw (about 135 MB), about 200 MB after a 20 MB upload
#   (memstore keeps the objects in the osd's memory); stop 0.5 s.
set -euo pipefail

PROG=${0##*/}
RGW_PORT=${CEPH_RGW_PORT:-7480}
MON_PORT=${CEPH_RGW_MON_PORT:-40000}
MEMSTORE_BYTES=${CEPH_RGW_MEMSTORE_BYTES:-4294967296}
START_TIMEOUT=${CEPH_RGW_START_TIMEOUT:-120}
MARKER=.s3-ceph-rgw
PACKAGES=(ceph-mon ceph-osd radosgw ceph-common)

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

ensure_packages() { # ensure_packages LOGFILE
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]} and not root"
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >>"$1" 2>&1 || log "apt-get update failed, trying install anyway"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$1" 2>&1 \
    || { tail -n 20 "$1" >&2; die "apt-get install ${missing[*]} failed (log: $1)"; }
}

# port_open PORT -> 0 when something accepts TCP connections on 127.0.0.1:PORT
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# http_answers PORT -> 0 when an HTTP server answers a GET / on 127.0.0.1:PORT
http_answers() {
  timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$1"' || exit 1
    printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    IFS= read -r line <&3 || exit 1
    case "$line" in HTTP/*) exit 0 ;; *) exit 1 ;; esac' 2>/dev/null
}

rand_str() { # rand_str LEN CHARSET
  local s=''
  while [ ${#s} -lt "$1" ]; do
    s+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$2" || true)
  done
  printf '%s' "${s:0:$1}"
}

# pid_is_ours DIR PID -> 0 when PID is alive and was started with DIR's ceph.conf
pid_is_ours() {
  [ -n "$2" ] && [ -r "/proc/$2/cmdline" ] || return 1
  tr '\0' '\n' <"/proc/$2/cmdline" 2>/dev/null | grep -qxF "$1/ceph.conf"
}

# spawn NAME CMD... : run a daemon in the foreground in its own session/process group,
# record its PID in $DIR/pids/NAME.pid
spawn() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$DIR/pids/$name.pid"
}

alive_or_die() { # alive_or_die NAME LOGNAME: die (showing its logs) unless NAME is running
  local pid; pid=$(cat "$DIR/pids/$1.pid")
  pid_is_ours "$DIR" "$pid" || {
    tail -n 20 "$DIR/log/$1.out" "$DIR"/log/*"$2"*.log >&2 2>/dev/null || true
    die "$1 (pid $pid) is not running; logs in $DIR/log"
  }
}

start_failed() {
  local rc=$?
  [ "$rc" -ne 0 ] || return 0
  log "start failed; stopping what was started (logs kept in $DIR/log; '$PROG stop $DIR' removes it)"
  term_wait "$DIR" rgw
  term_wait "$DIR" osd
  term_wait "$DIR" mon
  exit "$rc"
}

cmd_start() {
  local t0; t0=$(now)
  [ -n "${1:-}" ] || die "usage: $PROG start DIR"
  mkdir -p "$1"
  DIR=$(cd "$1" && pwd -P)
  [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty (stop it first or pick another DIR)"
  : >"$DIR/$MARKER"
  mkdir -p "$DIR"/{mon/a,osd/0,rgw,run,log,crash,pids}
  ensure_packages "$DIR/log/apt.out"
  port_open "$RGW_PORT" && die "127.0.0.1:$RGW_PORT is already in use"
  port_open "$MON_PORT" && die "127.0.0.1:$MON_PORT is already in use"
  trap start_failed EXIT

  local fsid osd_uuid ak sk
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ak=${CEPH_RGW_ACCESS_KEY:-$(rand_str 20 'A-Z0-9')}
  sk=${CEPH_RGW_SECRET_KEY:-$(rand_str 40 'A-Za-z0-9')}
  CONF=$DIR/ceph.conf
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
keyring = $DIR/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
[mon]
mon data = $DIR/mon/\$id
mon cluster log file = $DIR/log/\$cluster.\$channel.log
[osd]
osd data = $DIR/osd/\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
[client.admin]
admin socket =
log file = $DIR/log/client.admin.log
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw
rgw thread pool size = 64
rgw bucket quota ttl = 0
rgw user quota bucket sync interval = 1
rgw enable lc threads = false
EOF

  # monitor
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" \
    "$DIR/monmap" >>"$DIR/log/setup.out" 2>&1 || die "monmaptool failed"
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >>"$DIR/log/setup.out" 2>&1 \
    || { cat "$DIR/log/setup.out" >&2; die "ceph-mon --mkfs failed"; }
  spawn mon ceph-mon -c "$CONF" -f -i a
  # osd (ceph osd new waits for the monitor)
  timeout 60 ceph -c "$CONF" osd new "$osd_uuid" >>"$DIR/log/setup.out" 2>&1 \
    || { alive_or_die mon mon; cat "$DIR/log/setup.out" >&2; die "ceph osd new failed"; }
  ceph-osd -c "$CONF" --mkfs -i 0 --osd-uuid "$osd_uuid" >>"$DIR/log/setup.out" 2>&1 \
    || { cat "$DIR/log/setup.out" >&2; die "ceph-osd --mkfs failed"; }
  spawn osd ceph-osd -c "$CONF" -f -i 0
  # radosgw (creates its pools, then serves)
  spawn rgw radosgw -c "$CONF" -f -n client.rgw.a
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  until http_answers "$RGW_PORT"; do
    alive_or_die mon mon; alive_or_die osd osd; alive_or_die rgw rgw
    [ "$(date +%s)" -lt "$deadline" ] || die "radosgw did not answer within ${START_TIMEOUT}s; logs in $DIR/log"
    sleep 0.2
  done
  radosgw-admin -c "$CONF" user create --uid=admin --display-name=admin \
    --access-key="$ak" --secret="$sk" \
    --caps='users=*;buckets=*;metadata=*;usage=*;zone=*' >>"$DIR/log/setup.out" 2>&1 \
    || { tail -n 20 "$DIR/log/setup.out" >&2; die "radosgw-admin user create failed"; }
  trap - EXIT
  log "S3 ready in $(since "$t0")s (pids: mon $(cat "$DIR/pids/mon.pid"), osd $(cat "$DIR/pids/osd.pid"), rgw $(cat "$DIR/pids/rgw.pid"))"
  cat <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=$ak
S3_SECRET_ACCESS_KEY=$sk
CEPH_CONF=$CONF
CEPH_RGW_DIR=$DIR
EOF
}

# term_wait DIR NAME... : SIGTERM the named daemons (if still ours), wait up to 10 s, then SIGKILL
term_wait() {
  local dir=$1 name pid i pids=() left; shift
  for name in "$@"; do
    [ -r "$dir/pids/$name.pid" ] || continue
    pid=$(cat "$dir/pids/$name.pid")
    if pid_is_ours "$dir" "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for i in $(seq 1 100); do
    left=()
    for pid in ${pids[@]+"${pids[@]}"}; do pid_is_ours "$dir" "$pid" && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && return 0
    if [ "$i" -eq 100 ]; then
      log "killing ${left[*]} (no exit 10 s after SIGTERM)"
      for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    sleep 0.1
  done
}

cmd_stop() {
  local t0; t0=$(now)
  [ -n "${1:-}" ] || die "usage: $PROG stop DIR"
  [ -d "$1" ] || { log "$1 does not exist; nothing to stop"; return 0; }
  DIR=$(cd "$1" && pwd -P)
  [ -e "$DIR/$MARKER" ] || die "$DIR was not made by '$PROG start'; not touching it"
  # one at a time: radosgw needs the osd to shut down cleanly (it hangs otherwise),
  # and the osd tells the monitor it is going down
  term_wait "$DIR" rgw
  term_wait "$DIR" osd
  term_wait "$DIR" mon
  rm -rf -- "$DIR"
  log "stopped in $(since "$t0")s"
}

case "${1:-}" in
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  *) echo "usage: $PROG start DIR | stop DIR" >&2; exit 2 ;;
esac
