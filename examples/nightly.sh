#!/usr/bin/env bash
# The nightly loop with bizai: update (or, every FULL_REFIT_EVERY nights, refit), forecast into a ledger, score
# everyone, then monitor what yesterday's forecasts and recommendations were worth. Every step exits non-zero on
# failure (2 = bad input, 1 = anything else) and never leaves a half-written file; a monitoring threshold breached
# exits 3 at the end, after the night's outputs are written, so the scheduler alerts.
#
# crontab:  15 2 * * *  /opt/bizai/examples/nightly.sh >> /var/log/bizai-nightly.log 2>&1
set -euo pipefail
BIZAI=${BIZAI:-bizai}
IN=${IN:-/data/in}            # pnl.parquet (all history), pnl_new.parquet (since last night), pnl_future.parquet,
                              # events/*.parquet (all), events_new.parquet (since last night)
OUT=${OUT:-/data/out}         # picked up by the warehouse
MODELS=${MODELS:-/data/models}
FULL_REFIT_EVERY=${FULL_REFIT_EVERY:-7}   # nights between full refits; updates in between
DAY=${DAY:-$(date +%F)}                          # override both to replay or backfill a night
YESTERDAY=${YESTERDAY:-$(date -d "$DAY - 1 day" +%F)}
# A cron box is shared: OpenMP threads that sleep instead of spinning keep a fit from slowing 3x beside another
# job (benchmarks/results/threads_contention.md). BIZAI_THREADS caps the threads bizai uses (default: the CPUs
# this process may use).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
NIGHTS_FILE="$MODELS/nights-since-refit"
nights=$(cat "$NIGHTS_FILE" 2>/dev/null || echo "$FULL_REFIT_EVERY")

if [[ $nights -ge $FULL_REFIT_EVERY || ! -d $MODELS/profit || ! -d $MODELS/recs ]]; then
  $BIZAI forecast fit --quiet --data "$IN/pnl.parquet" --id-col store_id --time-col month --target-col profit \
    --known-cols promo_days,holiday_days --static-cols region --horizon 6 --backtest-windows 3 \
    --calibration-windows 3 --out "$MODELS/profit"
  $BIZAI recommend fit --quiet --data "$IN/events/*.parquet" --time-col timestamp --model als \
    --event-col event --event-weights view=1,cart=3,purchase=5 --out "$MODELS/recs"
  nights=0
else
  # New actuals and events folded in without a refit; meta.json's lineage names the parent version.
  $BIZAI forecast update --quiet --model "$MODELS/profit" --data "$IN/pnl_new.parquet" --out "$MODELS/profit"
  $BIZAI recommend update --quiet --model "$MODELS/recs" --data "$IN/events_new.parquet" --out "$MODELS/recs"
fi
echo $((nights + 1)) > "$NIGHTS_FILE.tmp" && mv "$NIGHTS_FILE.tmp" "$NIGHTS_FILE"

$BIZAI forecast predict --quiet --model "$MODELS/profit" --known-future "$IN/pnl_future.parquet" \
  --out "$OUT/forecasts/$DAY.parquet" --ledger "$OUT/ledger" --run-date "$DAY"
$BIZAI recommend score --quiet --model "$MODELS/recs" --users all --k 20 --out "$OUT/recommendations/$DAY.parquet"

# Yesterday, judged: exit 3 (threshold breached) is remembered and returned last.
status=0
$BIZAI monitor forecast --quiet --ledger "$OUT/ledger" --actuals "$IN/pnl.parquet" --group-col region \
  --max-wape-increase 0.2 --min-coverage 0.7 --max-psi 0.25 --out "$OUT/monitor/forecast-$DAY.parquet" || status=$?
if [[ -f $OUT/recommendations/$YESTERDAY.parquet ]]; then
  $BIZAI monitor recommend --quiet --recommendations "$OUT/recommendations/$YESTERDAY.parquet" \
    --events "$IN/events_new.parquet" --value-col revenue --min-lift 1.0 \
    --out "$OUT/monitor/recommend-$DAY.parquet" || status=$?
fi
exit "$status"
