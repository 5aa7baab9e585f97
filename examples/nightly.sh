#!/usr/bin/env bash
# Nightly batch with bizai: retrain, score everyone, write Parquet where the warehouse picks it up.
# Every step exits non-zero on failure (2 = bad input, 1 = anything else) and never leaves a half-written file.
#
# crontab:  15 2 * * *  /opt/bizai/examples/nightly.sh >> /var/log/bizai-nightly.log 2>&1
set -euo pipefail
BIZAI=${BIZAI:-bizai}
IN=${IN:-/data/in}            # today's extracts
OUT=${OUT:-/data/out}         # picked up by the warehouse
MODELS=${MODELS:-/data/models}
DAY=$(date +%F)

$BIZAI forecast fit --quiet --data "$IN/pnl.parquet" --id-col store_id --time-col month --target-col profit \
  --known-cols promo_days,holiday_days --static-cols region --horizon 6 --backtest-windows 3 --out "$MODELS/profit"
$BIZAI forecast predict --quiet --model "$MODELS/profit" --known-future "$IN/pnl_future.parquet" \
  --out "$OUT/forecasts/$DAY.parquet"

$BIZAI recommend fit --quiet --data "$IN/events/*.parquet" --time-col timestamp --model als \
  --event-col event --event-weights view=1,cart=3,purchase=5 --out "$MODELS/recs"
$BIZAI recommend score --quiet --model "$MODELS/recs" --users all --k 20 --out "$OUT/recommendations/$DAY.parquet"
