# shellcheck shell=bash
# bench/lib/common.sh: messages, background processes (every one the kit starts is stopped
# on exit, by its pid) and what the kit reads from /proc. Sourced by bench/run.sh.

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

BENCH_PIDS=()   # every process the kit started and has not stopped yet, oldest first
LAST_PID=

# spawn LOG CMD...: CMD in the background, stdout and stderr to LOG; LAST_PID is its pid.
spawn() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  BENCH_PIDS+=("$LAST_PID")
}

# track PID: a process one of ours started (nginx's worker) is stopped on exit as well.
track() { BENCH_PIDS+=("$1"); }

forget() {
  local pid="$1" kept=() p
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]+"${kept[@]}"}")
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  state="$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# stop_pid PID [SIGNAL]: sends SIGNAL (TERM), waits up to 10 s, then KILL; reaps our children.
stop_pid() {
  local pid="$1" signal="${2:-TERM}" tries=0
  if alive "$pid"; then
    kill -s "$signal" "$pid" 2>/dev/null || true
    while alive "$pid" && ((tries < 200)); do
      sleep 0.05
      tries=$((tries + 1))
    done
    if alive "$pid"; then
      say "pid $pid ignored SIG$signal for 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}

stop_all() {
  local i
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${BENCH_PIDS[i]}"; done
}

# wait_for SECONDS WHAT CMD...: polls CMD every 20 ms until it succeeds; dies after SECONDS.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || die "timed out after ${seconds} s waiting for: $what"
    sleep 0.02
  done
}

# cpu_seconds PID: user + system CPU time the process (all threads) has used so far.
cpu_seconds() {
  local fields
  fields="$(sed 's/^.*) //' "/proc/$1/stat")" || die "cannot read /proc/$1/stat"
  # After "pid (comm) ", field 3 (state) comes first: utime (14) and stime (15) are $12, $13.
  awk -v tck="$CLK_TCK" '{ printf "%.3f\n", ($12 + $13) / tck }' <<<"$fields"
}

# rss_kib PID: resident set size in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# http_status URL HOST: the status code a GET with that Host gets (000 when nothing answers).
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $2" "$1" || true
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# log_time_seconds FILE PATTERN [NTH]: the "time" of the NTH (default 1st) JSON log line
# containing PATTERN, as seconds since the epoch (Portico logs milliseconds).
log_time_seconds() {
  local line
  line="$(grep -F -- "$2" "$1" | sed -n "${3:-1}p")"
  [[ -n $line ]] || return 1
  date -d "$(sed 's/.*"time":"\([^"]*\)".*/\1/' <<<"$line")" +%s.%N
}

# log_field FILE PATTERN FIELD [NTH]: a string field of that line.
log_field() {
  grep -F -- "$2" "$1" | sed -n "${4:-1}p" | sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p"
}

count_lines() { grep -c -F -- "$2" "$1" || true; }

# seconds_between START END: END - START, both "seconds.fraction".
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }
