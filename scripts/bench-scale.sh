#!/usr/bin/env bash
# make bench-scale: calibrate and validate at Cityscapes' 1024x2048 on this
# machine. Exports SGCPNet and SPGNet-R18-1s-128 at 1024x2048 (seeded random
# weights; speed and memory do not depend on them) and synthesizes a few
# 1024x2048 images, all cached in the git-ignored testdata/cache/scale, then
# measures per-image time and peak RSS (GNU time's maximum resident set) of
# calibrate (default --max-memory, and --max-memory 2GiB) and validate, and
# prints a markdown table (also written to out/bench-scale.md). Calibrate's
# time per image is the difference between runs on 12 and 4 images over 8:
# what one more image costs, without loading the model and writing outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
SEGTRT=${SEGTRT:-bin/segtrt}
PYTHON=${PYTHON:-/usr/bin/python3}
FEW=4
IMAGES=12
CACHE=testdata/cache/scale
OUT=out/bench-scale
mkdir -p "$CACHE" "$OUT"

DATA=$CACHE/synth-1024x2048-seed0-$IMAGES
if [ ! -d "$DATA/leftImg8bit" ]; then
	rm -rf "$DATA"
	"$SEGTRT" dataset synth --out "$DATA" --train "$IMAGES" --val 4 --test 0 --height 1024 --width 2048 --seed 0 >/dev/null
fi

# measure LOG CMD...: runs CMD, leaves "wall_s peak_rss_kb" in $OUT/LOG.time.
measure() {
	local log=$1
	shift
	/usr/bin/time -f '%e %M' -o "$OUT/$log.time" "$@" >"$OUT/$log.log" 2>&1 || {
		cat "$OUT/$log.log" >&2
		echo "bench-scale: $* failed" >&2
		exit 1
	}
}

json() { "$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }
gb() { awk -v kb="$1" 'BEGIN {printf "%.2f GB", kb * 1024 / 1e9}'; }

table=$OUT/bench-scale.md
{
	echo "| model | runner ms | validate peak RSS | calibrate --max-memory | groups | calibrate s/image | x runner | calibrate peak RSS ($IMAGES images) | x validate |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >"$table"
for arch in sgcpnet spgnet-r18-1s-128; do
	model=$CACHE/$arch-1024x2048.onnx
	[ -f "$model" ] || "$PYTHON" -m export.torch.export --arch "$arch" --height 1024 --width 2048 --out "$model" >/dev/null
	measure "$arch-validate" "$SEGTRT" validate --model "$model" --data "$DATA" --limit 4 --duration 5s --report "$OUT/$arch-validate"
	read -r _ vrss <"$OUT/$arch-validate.time"
	runner=$(json "$OUT/$arch-validate/report.json" "d['latency_ms']['mean']")
	for limit in default 2GiB; do
		flag=()
		[ "$limit" = default ] || flag=(--max-memory "$limit")
		measure "$arch-calibrate-$limit-few" "$SEGTRT" calibrate --model "$model" --data "$DATA" --images "$FEW" --method percentile \
			"${flag[@]}" --out "$OUT/$arch.int8.onnx" --report "$OUT/$arch-calib-$limit.json"
		read -r few _ <"$OUT/$arch-calibrate-$limit-few.time"
		measure "$arch-calibrate-$limit" "$SEGTRT" calibrate --model "$model" --data "$DATA" --images "$IMAGES" --method percentile \
			"${flag[@]}" --out "$OUT/$arch.int8.onnx" --report "$OUT/$arch-calib-$limit.json"
		read -r wall crss <"$OUT/$arch-calibrate-$limit.time"
		groups=$(json "$OUT/$arch-calib-$limit.json" "d['collection']['groups']")
		ceiling=$(json "$OUT/$arch-calib-$limit.json" "round(d['collection']['max_memory'] / 2**30, 2)")
		per=$(awk -v w="$wall" -v f="$few" -v n="$((IMAGES - FEW))" 'BEGIN {printf "%.2f", (w - f) / n}')
		echo "| $arch | $(printf %.0f "$runner") | $(gb "$vrss") | $limit (${ceiling} GiB) | $groups | $per | $(awk -v p="$per" -v r="$runner" 'BEGIN {printf "%.1f", p * 1000 / r}') | $(gb "$crss") | $(awk -v c="$crss" -v v="$vrss" 'BEGIN {printf "%.2f", c / v}') |" >>"$table"
	done
done
cat "$table"
