#!/usr/bin/env bash
# Regenerate docs/images/console.png (and console-zh.png) from the running demo under Xvfb.
#
#   scripts/screenshot.sh            # both languages, ~4 min of warm-up so trends have history
#   WARMUP_S=0 scripts/screenshot.sh # quick: live data only
#   ALARMS_AFTER_S=0 ...             # skip the alarm shot (docs/images/alarms.png)
#
# The demo first runs headless for WARMUP_S seconds into a scratch data folder, so the
# console opens with history in its trend and today's energy already counting, exactly as
# an operator would see it after a restart. The simulator's clock starts late morning so
# that the PV is producing whatever the time of day here.
set -euo pipefail
cd "$(dirname "$0")/.."

WARMUP_S="${WARMUP_S:-240}"
SIM_START="${SIM_START:-10:30}"      # the demo plant's time of day, in the station's zone
STATION_TZ="${STATION_TZ:-Asia/Shanghai}"
AFTER_S="${AFTER_S:-15}"
OUT_DIR="docs/images"
SCREEN="-screen 0 1600x1000x24"

data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
mkdir -p "$OUT_DIR"

# the console run continues the plant's clock where the warm-up left it (not back to the start)
start_epoch="$(TZ="$STATION_TZ" date -d "today $SIM_START" +%s)"
sim_at() { TZ="$STATION_TZ" date -d "@$((start_epoch + $1))" +%Y-%m-%dT%H:%M:%S; }

if [ "$WARMUP_S" -gt 0 ]; then
  echo "warming up the demo for ${WARMUP_S}s (history into $data)"
  # a hard limit, so a warm-up that fails to stop cannot hang the script (history is
  # committed continuously; a killed run keeps all but its last second)
  if ! uv run timeout -k 10 "$((WARMUP_S + 60))" python main.py --demo --headless \
      --duration "$WARMUP_S" --data "$data" --sim-start "$(sim_at 0)"; then
    echo "warning: the warm-up run did not stop by itself; using what it stored" >&2
  fi
fi

shoot() {  # shoot LANG FILE
  xvfb-run -a -s "$SCREEN" uv run main.py --demo --data "$data" --sim-start "$(sim_at "$WARMUP_S")" \
    --lang "$1" --screenshot "$2" --screenshot-after "$AFTER_S"
  echo "wrote $2"
}
shoot en "$OUT_DIR/console.png"
shoot zh "$OUT_DIR/console-zh.png"

# the alarm tab during the over_temperature scenario: the cells pass 45 °C (derate) after
# about 3 min and 55 °C (stop) after about 4 min; a fresh data folder, so the journal is its own
ALARMS_AFTER_S="${ALARMS_AFTER_S:-270}"
if [ "$ALARMS_AFTER_S" -gt 0 ]; then
  alarms_data="$(mktemp -d)"
  xvfb-run -a -s "$SCREEN" uv run main.py --demo --data "$alarms_data" --sim-start "$(sim_at 0)" \
    --scenario over_temperature --screenshot "$OUT_DIR/alarms.png" \
    --screenshot-after "$ALARMS_AFTER_S" --screenshot-tab 1
  rm -rf "$alarms_data"
  echo "wrote $OUT_DIR/alarms.png"
fi
