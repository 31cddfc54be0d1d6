#!/usr/bin/env bash
# Load runner: maskd, maskd --echo (the ceiling of the HTTP stack) and the FastAPI
# peer, measured in one run with wrk on this machine. Prints a Markdown report on
# stdout (for docs/performance.md); progress goes to stderr, raw outputs to --out.
#
#   bench/load/run.sh [--duration S] [--quick] [--rss-soak S] [--maskd PATH]
#                     [--only maskd,echo,peer] [--shards N] [--echo-flag F] [--out DIR]
#
#   --duration S   seconds per wrk run (default 10)
#   --quick        2 s runs, 1 s warm-ups, 10 s RSS soak (unless --rss-soak is given)
#   --rss-soak S   seconds of the 1 MB RSS flatness run against maskd (default 60, 0 = skip)
#   --maskd PATH   maskd binary (default $MASKD_BIN, else build/maskd or build/src/maskd)
#   --only LIST    subset of maskd,echo,peer (default all three)
#   --shards N     pass --shards N to maskd (default: maskd's own default)
#   --echo-flag F  the flag that switches masking off for the ceiling (default --echo)
#   --out DIR      keep logs, wrk outputs and samples there (default: a new /tmp dir)
#
# Everything listens on 127.0.0.1 with free ports; every server started here is
# stopped on exit. Needs wrk, /usr/bin/python3 with python3-fastapi and
# python3-uvicorn (for the peer), and the corpus at ../shared/corpus (or
# $MASKD_CORPUS).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=/usr/bin/python3 # Debian's python3: the one with fastapi and uvicorn
lib="$here/loadlib.py"
corpus=$(realpath -m "${MASKD_CORPUS:-$root/../shared/corpus}")
maskd_bin=${MASKD_BIN:-}
duration_s=10
warmup_s=2
rss_soak_s=
quick=0
only=maskd,echo,peer
shards=
echo_flag=--echo
out=
invocation="bench/load/run.sh $*"

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration_s=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --rss-soak) rss_soak_s=$2; shift 2 ;;
    --maskd) maskd_bin=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --echo-flag) echo_flag=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  duration_s=2
  warmup_s=1
  rss_soak_s=${rss_soak_s:-10}
fi
rss_soak_s=${rss_soak_s:-60}

wants() { [[ ",$only," == *",$1,"* ]]; }
log() { echo "[run.sh] $*" >&2; }
die() { echo "run.sh: error: $*" >&2; exit 1; }

# ------------------------------------------------------------ preconditions --
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
[ -x "$python" ] || die "$python not found"
bodies=(001-small 002-medium 003-large)
for body in "${bodies[@]}"; do
  [ -r "$corpus/bench/$body.json" ] || die "corpus body $corpus/bench/$body.json not found (set MASKD_CORPUS)"
done
lua="$corpus/wrk_post.lua"
[ -r "$lua" ] || die "$lua not found"
if [ -z "$maskd_bin" ]; then
  # meson puts the binary in src/ of the build directory.
  maskd_bin=$root/build/maskd
  if [ ! -x "$maskd_bin" ] && [ -x "$root/build/src/maskd" ]; then maskd_bin=$root/build/src/maskd; fi
fi
if wants maskd || wants echo; then
  if [ ! -x "$maskd_bin" ]; then
    die "maskd binary '$maskd_bin' is missing or not executable. Build it (tools/dev.sh, or
  meson setup build && ninja -C build), point --maskd / MASKD_BIN at it, or measure only
  the peer with --only peer."
  fi
  if ! "$maskd_bin" serve --help >/dev/null 2>&1; then
    die "'$maskd_bin serve --help' failed: this binary has no server (built with -Dserver=false?)"
  fi
fi
if wants peer; then
  "$python" -c 'import fastapi, uvicorn' 2>/dev/null \
    || die "$python cannot import fastapi/uvicorn (apt-get install python3-fastapi python3-uvicorn)"
fi

out=${out:-$(mktemp -d /tmp/maskd-load.XXXXXX)}
mkdir -p "$out"
: >"$out/runs.jsonl"
: >"$out/commands.jsonl"
: >"$out/checks.jsonl"
notes=()
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "raw outputs in $out"

# ------------------------------------------------------------------ cleanup --
# Only processes started by this script, by pid.
started_pids=()
sampler_pid=
cleanup() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  for pid in "${started_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

json_str() { "$python" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
record_command() { echo "{\"command\": $(json_str "$1")}" >>"$out/commands.jsonl"; }
record_run() { echo "$1" >>"$out/runs.jsonl"; }

# ------------------------------------------------------------------ servers --
server_pid=
server_url=

# start_maskd NAME [maskd serve flags...]: sets server_pid and server_url.
start_maskd() {
  local name=$1; shift
  local flags=(serve --listen 127.0.0.1:0 "$@")
  if [ -n "$shards" ]; then flags+=(--shards "$shards"); fi
  record_command "$maskd_bin ${flags[*]}"
  "$maskd_bin" "${flags[@]}" >"$out/$name.stdout" 2>"$out/$name.log" &
  server_pid=$!
  started_pids+=("$server_pid")
  local address='' waited=0
  while [ $waited -lt 300 ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      log "$name exited during start-up; last log lines:"
      tail -n 5 "$out/$name.log" >&2 || true
      return 1
    fi
    if address=$("$python" "$lib" listen-addr "$out/$name.log"); then break; fi
    sleep 0.1
    waited=$((waited + 1))
  done
  if [ -z "$address" ]; then
    log "$name printed no {\"event\":\"listening\",\"address\":...} line within 30 s"
    return 1
  fi
  server_url="http://$address"
  if ! "$python" "$lib" wait-http "$server_url/healthz" 10; then
    log "$name: GET $server_url/healthz never answered 200"
    return 1
  fi
  log "$name listening on $address (pid $server_pid)"
}

start_peer() {
  local port
  port=$("$python" "$lib" free-port)
  local cmd=("$python" -m uvicorn --app-dir "$root/bench/peer" fastapi_mask:app
    --host 127.0.0.1 --port "$port" --log-level warning)
  record_command "${cmd[*]}"
  "${cmd[@]}" >"$out/peer.stdout" 2>"$out/peer.log" &
  server_pid=$!
  started_pids+=("$server_pid")
  server_url="http://127.0.0.1:$port"
  if ! "$python" "$lib" wait-http "$server_url/healthz" 20; then
    log "peer did not become ready; last log lines:"
    tail -n 5 "$out/peer.log" >&2 || true
    return 1
  fi
  log "peer listening on 127.0.0.1:$port (pid $server_pid)"
}

server_alive() { kill -0 "$server_pid" 2>/dev/null; }

# stop_server NAME: SIGTERM, then records how the server went away.
stop_server() {
  local name=$1 waited=0 rc=0
  if ! server_alive; then
    wait "$server_pid" 2>/dev/null || rc=$?
    log "$name had already exited (status $rc) before SIGTERM"
    notes+=("$name DIED during the run (exit status $rc; 139 = SIGSEGV): see $out/$name.log. Rows after the crash are missing or invalid.")
    return
  fi
  kill -TERM "$server_pid" 2>/dev/null || true
  while kill -0 "$server_pid" 2>/dev/null && [ $waited -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    notes+=("$name did not exit within 5 s of SIGTERM; killed.")
  fi
  wait "$server_pid" 2>/dev/null || rc=$?
  log "$name stopped (exit status $rc after SIGTERM)"
  if [ "$name" != peer ]; then
    notes+=("$name exit status after SIGTERM: $rc (0 = graceful shutdown).")
  fi
}

# ---------------------------------------------------------------- sampling --
start_rss_sampler() { # PID FILE
  local pid=$1 file=$2
  : >"$file"
  (
    while [ -r "/proc/$pid/status" ]; do
      awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" >>"$file" 2>/dev/null || true
      sleep 1
    done
  ) &
  sampler_pid=$!
}
stop_rss_sampler() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=
  fi
}

# ---------------------------------------------------------------- wrk runs --
# Requests still in flight when wrk stops keep a slow server busy; wait for it.
quiesce() {
  "$python" "$lib" quiesce "$server_pid" 120 || log "server still busy after 120 s"
}

body_bytes() { stat -c %s "$corpus/bench/$1.json"; }

# run_wrk SERVER BODY CONNS SECONDS: one timed run with RSS sampling.
run_wrk() {
  local server=$1 body=$2 conns=$3 seconds=$4
  local tag="$server-$body-c$conns"
  local body_path="$corpus/bench/$body.json"
  local cmd=(wrk -t1 "-c$conns" "-d${seconds}s" --timeout 30s -s "$lua" "$server_url/mask" -- "$body_path")
  if [ "$warmup_s" -gt 0 ]; then
    wrk -t1 "-c$conns" "-d${warmup_s}s" --timeout 30s -s "$lua" "$server_url/mask" -- "$body_path" >/dev/null 2>&1 || true
    quiesce
  fi
  log "$tag: ${cmd[*]}"
  record_command "${cmd[*]}"
  start_rss_sampler "$server_pid" "$out/rss-$tag.txt"
  "${cmd[@]}" >"$out/wrk-$tag.txt" 2>&1 || log "$tag: wrk exited with an error (see $out/wrk-$tag.txt)"
  stop_rss_sampler
  quiesce
  record_run "{\"kind\":\"load\",\"server\":\"$server\",\"body\":\"$body\",\"bytes\":$(body_bytes "$body"),\"conns\":$conns,\"wrk_output\":\"wrk-$tag.txt\",\"rss_file\":\"rss-$tag.txt\"}"
}

record_skipped() { # SERVER BODY CONNS REASON
  record_run "{\"kind\":\"load\",\"server\":\"$1\",\"body\":\"$2\",\"bytes\":$(body_bytes "$2"),\"conns\":$3,\"skipped\":$(json_str "$4")}"
}

# measure_server NAME CHECK_MODE: the throughput matrix for the running server.
measure_server() {
  local name=$1 mode=$2 body line
  for body in "${bodies[@]}"; do
    if ! server_alive; then
      record_skipped "$name" "$body" 16 "server died earlier in the run"
      continue
    fi
    if line=$("$python" "$lib" check "$server_url/mask" "$corpus/bench/$body.json" "$mode"); then
      echo "{\"line\": $(json_str "$line")}" >>"$out/checks.jsonl"
      log "check $line"
      run_wrk "$name" "$body" 16 "$duration_s"
      if [ "$body" = 003-large ]; then
        run_wrk "$name" "$body" 1 "$duration_s"
      fi
    else
      echo "{\"line\": $(json_str "$line")}" >>"$out/checks.jsonl"
      log "check $line — not timed"
      record_skipped "$name" "$body" 16 "answer failed the check, not timed"
    fi
  done
}

# ------------------------------------------------------------------- maskd --
if wants maskd; then
  if start_maskd maskd; then
    maskd_pid=$server_pid
    sleep 2 # let start-up allocations settle before the idle sample
    start_rss_sampler "$maskd_pid" "$out/rss-maskd-idle.txt"
    sleep 3
    stop_rss_sampler
    record_run '{"kind":"idle","label":"maskd idle (after start-up, 3 s)","rss_file":"rss-maskd-idle.txt"}'

    measure_server maskd mask

    # Spread over shards: few long-lived connections is the sidecar's traffic.
    for conns in 1 2 4 16; do
      tag="spread-c$conns"
      if ! server_alive; then
        record_run "{\"kind\":\"spread\",\"conns\":$conns,\"skipped\":\"server died earlier in the run\"}"
        continue
      fi
      body_path="$corpus/bench/001-small.json"
      cmd=(wrk -t1 "-c$conns" "-d${duration_s}s" --timeout 30s -s "$lua" "$server_url/mask" -- "$body_path")
      if ! "$python" "$lib" metrics "$server_url/metrics" >"$out/$tag-before.json"; then
        record_run "{\"kind\":\"spread\",\"conns\":$conns,\"skipped\":\"GET /metrics failed\"}"
        continue
      fi
      log "$tag: ${cmd[*]}"
      record_command "${cmd[*]}"
      ( sleep "$(awk -v d="$duration_s" 'BEGIN { print d / 2 }')"
        "$python" "$lib" metrics "$server_url/metrics" >"$out/$tag-during.json" 2>/dev/null || true ) &
      mid_pid=$!
      "${cmd[@]}" >"$out/wrk-$tag.txt" 2>&1 || log "$tag: wrk exited with an error"
      wait "$mid_pid" 2>/dev/null || true
      "$python" "$lib" metrics "$server_url/metrics" >"$out/$tag-after.json" || true
      record_run "{\"kind\":\"spread\",\"conns\":$conns,\"before\":\"$tag-before.json\",\"during\":\"$tag-during.json\",\"after\":\"$tag-after.json\"}"
    done

    # RSS flatness: the 1 MB body for a long run; maskd pools at start-up, so
    # the last sample should equal the first.
    if [ "$rss_soak_s" -gt 0 ] && server_alive; then
      body_path="$corpus/bench/003-large.json"
      cmd=(wrk -t1 -c16 "-d${rss_soak_s}s" --timeout 30s -s "$lua" "$server_url/mask" -- "$body_path")
      log "rss soak: ${cmd[*]}"
      record_command "${cmd[*]}"
      start_rss_sampler "$maskd_pid" "$out/rss-maskd-soak.txt"
      "${cmd[@]}" >"$out/wrk-soak.txt" 2>&1 || log "soak: wrk exited with an error"
      stop_rss_sampler
      record_run "{\"kind\":\"soak\",\"label\":\"maskd under load: 003-large, 16 conns, $rss_soak_s s\",\"rss_file\":\"rss-maskd-soak.txt\"}"
      start_rss_sampler "$maskd_pid" "$out/rss-maskd-after.txt"
      sleep 3
      stop_rss_sampler
      record_run '{"kind":"idle","label":"maskd idle again (3 s after the soak)","rss_file":"rss-maskd-after.txt"}'
    fi
    stop_server maskd
  else
    notes+=("maskd did not start: see $out/maskd.log; maskd rows are missing.")
    for body in "${bodies[@]}"; do record_skipped maskd "$body" 16 "server did not start"; done
  fi
fi

# -------------------------------------------------------------- maskd echo --
if wants echo; then
  # shellcheck disable=SC2086 # the flag may carry a value ("--mode echo")
  if start_maskd echo $echo_flag; then
    measure_server "maskd --echo" echo
    stop_server echo
  else
    notes+=("maskd $echo_flag did not start (flag missing in this build?): see $out/echo.log.")
    for body in "${bodies[@]}"; do record_skipped "maskd --echo" "$body" 16 "server did not start"; done
  fi
fi

# -------------------------------------------------------------------- peer --
if wants peer; then
  if start_peer; then
    measure_server "FastAPI peer" peer
    stop_server peer
  else
    notes+=("the FastAPI peer did not start: see $out/peer.log.")
  fi
fi

# ------------------------------------------------------------------ report --
# The binary may come from another tree than this one: identify it by itself.
maskd_build_info() {
  if [ -x "$maskd_bin" ]; then
    echo "built $(date -u -r "$maskd_bin" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$maskd_bin" | cut -c1-12)"
  else
    echo "not used"
  fi
}

cpu_description() {
  local model family cpu_model extras=
  model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  family=$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)
  cpu_model=$(awk -F': ' '/^model\t/ {print $2; exit}' /proc/cpuinfo)
  if grep -qw hypervisor /proc/cpuinfo; then extras+=", virtual machine"; fi
  if grep -qw avx512bw /proc/cpuinfo; then extras+=", AVX-512"
  elif grep -qw avx2 /proc/cpuinfo; then extras+=", AVX2"; fi
  echo "$model (family $family, model $cpu_model$extras)"
}
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null | head -n 1)" ]; then commit="$commit (working tree has changes)"; fi
peer_versions=$("$python" -c 'import sys, fastapi, uvicorn; print(f"Python {sys.version.split()[0]}, FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}")' 2>/dev/null || echo unknown)
wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 {print $1, $2}')
notes_json=$("$python" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${notes[@]+"${notes[@]}"}")
cat >"$out/meta.json" <<EOF
{
  "date": $(json_str "$(date -u '+%Y-%m-%d %H:%M UTC')"),
  "nproc": $(nproc),
  "cpu": $(json_str "$(cpu_description)"),
  "kernel": $(json_str "$(uname -sr)"),
  "maskd_bin": $(json_str "$maskd_bin"),
  "commit": $(json_str "$commit"),
  "maskd_build": $(json_str "$(maskd_build_info)"),
  "shards": $(json_str "${shards:-maskd default}"),
  "peer_versions": $(json_str "$peer_versions"),
  "wrk_version": $(json_str "$wrk_version"),
  "loadavg": $(json_str "$loadavg_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"),
  "duration": $duration_s,
  "warmup": $warmup_s,
  "invocation": $(json_str "$invocation"),
  "notes": $notes_json
}
EOF
"$python" "$lib" report "$out"
