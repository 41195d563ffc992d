#!/usr/bin/env bash
# Regenerates imports/ from the pinned CRDs in upstream/crds with `cdk8s import` (offline).
# CI runs it and fails when the result differs from what is committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cdk8s="$root/node_modules/.bin/cdk8s"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Kinds of one API group go into one file: cdk8s import writes imports/<group>.ts, so importing them
# one by one would overwrite the earlier kinds.
cat "$root"/upstream/crds/monitoring.coreos.com_{servicemonitors,podmonitors,prometheusrules}.yaml \
  >"$tmp/monitoring.coreos.com.yaml"
cp "$root/upstream/crds/helm.cattle.io_helmcharts.yaml" "$tmp/"
rm -rf "$root/imports"
# Run from the temporary folder: `cdk8s import` records what it imported in ./cdk8s.yaml, which must stay as it is.
cd "$tmp"
"$cdk8s" import monitoring.coreos.com.yaml --language typescript --output "$root/imports" --no-check-upgrade
"$cdk8s" import helm.cattle.io_helmcharts.yaml --language typescript --output "$root/imports" --no-check-upgrade
