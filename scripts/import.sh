#!/usr/bin/env bash
# Regenerates imports/ from the pinned CRDs in upstream/crds with `cdk8s import` (offline).
# CI runs it and fails when the result differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Kinds of one API group go into one file: cdk8s import writes imports/<group>.ts, so importing them
# one by one would overwrite the earlier kinds.
cat upstream/crds/monitoring.coreos.com_servicemonitors.yaml \
    upstream/crds/monitoring.coreos.com_podmonitors.yaml \
    upstream/crds/monitoring.coreos.com_prometheusrules.yaml >"$tmp/monitoring.coreos.com.yaml"
rm -rf imports
npx --no-install cdk8s import "$tmp/monitoring.coreos.com.yaml" --language typescript --output imports --no-check-upgrade
npx --no-install cdk8s import upstream/crds/helm.cattle.io_helmcharts.yaml --language typescript --output imports --no-check-upgrade
