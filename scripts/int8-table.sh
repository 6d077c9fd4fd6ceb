#!/usr/bin/env bash
# INT8 accuracy table: for each fixture, each synthetic split (seeds 101,
# 202, 303: 200 train and 100 val images at 256x512) and each calibration
# method, calibrate on 100 train images and print the mIoU drop of the Q/DQ
# model against FP32 on the 100 val images, with the method auto chose.
#
#   scripts/int8-table.sh [OUT_DIR]     (make int8-table; about 30 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/int8-table}
BIN=./bin/segtrt
SEEDS=${SEEDS:-101 202 303}
METHODS=${METHODS:-auto entropy percentile mse minmax}
FIXTURES=${FIXTURES:-sgcpnet-256x512 spgnet-micro-256x512}
mkdir -p "$OUT"
quick=(--warmup 10ms --iterations 1 --duration 1ms)
printf '| fixture | split | %s |\n' "$(echo $METHODS | sed 's/ / | /g')"
printf '|---|---|%s\n' "$(for m in $METHODS; do printf -- '---|'; done)"
for seed in $SEEDS; do
	data="$OUT/data-$seed"
	[ -d "$data/leftImg8bit" ] || $BIN dataset synth --out "$data" --train 200 --val 100 --height 256 --width 512 --seed "$seed" >/dev/null
	for fx in $FIXTURES; do
		model=testdata/models/$fx.onnx
		ref="$OUT/$fx-$seed-fp32"
		[ -f "$ref/report.json" ] || $BIN validate --model "$model" --data "$data" --report "$ref" "${quick[@]}" >/dev/null 2>&1
		row="| $fx | $seed |"
		for m in $METHODS; do
			q="$OUT/$fx-$seed-$m"
			mkdir -p "$q"
			$BIN calibrate --model "$model" --data "$data" --images 100 --method "$m" \
				--out "$q/q.onnx" --report "$q/calib.json" >"$q/calibrate.log" 2>&1
			$BIN validate --model "$q/q.onnx" --data "$data" --reference-report "$ref/report.json" \
				--report "$q/report" "${quick[@]}" >/dev/null 2>&1
			cell=$(/usr/bin/python3 - "$q" <<'PY'
import json, sys
q = sys.argv[1]
r = json.load(open(q + "/report/report.json"))
c = json.load(open(q + "/calib.json"))
s = "%.2f" % r["miou_drop"]
if c.get("auto"):
    s += " (%s)" % c["auto"]["chosen"]
print(s)
PY
)
			row="$row $cell |"
		done
		echo "$row"
	done
done
