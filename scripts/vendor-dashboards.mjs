#!/usr/bin/env node
/**
 * `npm run vendor-dashboards`: fetches every grafana.com dashboard the inventory lists (`central.dashboards.grafanaCom`,
 * by id and pinned revision) once into `dashboards/vendor/` beside the inventory, so that with
 * `central.dashboards.vendored: true` the synth provisions them from the repository and Grafana needs no egress.
 *
 *   node scripts/vendor-dashboards.mjs [--inventory cmm.yaml]... [--base-url https://grafana.com] [--force]
 *
 * Each revision goes to `grafana-com-<id>-r<revision>.json`, exactly as grafana.com serves it (the synth replaces its
 * `${DS_PROMETHEUS}` input, as the Grafana chart's download does); `sources.json` in the same folder records where
 * each file came from and its SHA-256. A file already there is kept (a pinned revision does not change) unless
 * `--force`. The base URL (also `CMM_GRAFANA_COM_URL`) lets a test serve the API on loopback.
 * Needs the network; exit code 1 with one line per problem.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const FOLDER = path.join('dashboards', 'vendor');
const LIMIT = 900 * 1024; // what the synth accepts: one ConfigMap

function usage(message) {
  process.stderr.write(`vendor-dashboards: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { inventories: [], baseUrl: process.env.CMM_GRAFANA_COM_URL || 'https://grafana.com', force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') opts.force = true;
    else if (a === '--inventory' || a === '--base-url') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage(`${a} needs a value`);
      if (a === '--inventory') opts.inventories.push(v);
      else opts.baseUrl = v;
    } else usage(`unknown argument ${a}`);
  }
  if (opts.inventories.length === 0) opts.inventories.push(process.env.CMM_INVENTORY || 'cmm.yaml');
  if (!/^https?:\/\/[^/]+/.test(opts.baseUrl)) usage(`--base-url ${opts.baseUrl} is not an http(s) URL`);
  return opts;
}

/** The dashboards an inventory lists: `{ name, id, revision }`, checked enough to build a file name from. */
function dashboardsOf(file) {
  let inv;
  try {
    inv = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    usage(`${file} cannot be read (${e.code ?? e.message})`);
  }
  const list = inv?.central?.dashboards?.grafanaCom ?? [];
  if (!Array.isArray(list)) usage(`${file}: central.dashboards.grafanaCom is not a list`);
  return list.map((d, i) => {
    if (!Number.isInteger(d?.id) || d.id <= 0 || !Number.isInteger(d?.revision) || d.revision <= 0) {
      usage(`${file}: central.dashboards.grafanaCom[${i}] needs a whole id and revision (npm run synth says more)`);
    }
    return { name: String(d.name), id: d.id, revision: d.revision };
  });
}

async function fetchText(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' }, redirect: 'follow' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > LIMIT) throw new Error(`${buf.length} bytes, more than a ConfigMap holds (${LIMIT})`);
  return buf.toString('utf8');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const base = opts.baseUrl.replace(/\/+$/, '');
  let problems = 0;
  for (const inventory of opts.inventories) {
    const dir = path.join(path.dirname(path.resolve(inventory)), FOLDER);
    const sourcesFile = path.join(dir, 'sources.json');
    const sources = fs.existsSync(sourcesFile) ? JSON.parse(fs.readFileSync(sourcesFile, 'utf8')) : {};
    for (const d of dashboardsOf(inventory)) {
      const file = `grafana-com-${d.id}-r${d.revision}.json`;
      const target = path.join(dir, file);
      const shown = path.relative(process.cwd(), target);
      // The address grafana.com serves a revision at (the one the Grafana chart's download uses).
      const url = `${base}/api/dashboards/${d.id}/revisions/${d.revision}/download`;
      if (fs.existsSync(target) && !opts.force) {
        process.stdout.write(`vendor-dashboards: ${shown} is there already (${d.name})\n`);
        continue;
      }
      let text;
      try {
        text = await fetchText(url);
        const json = JSON.parse(text);
        if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object');
      } catch (e) {
        process.stderr.write(`vendor-dashboards: ${d.name} (${d.id} revision ${d.revision}): ${url}: ${e.message}\n`);
        problems++;
        continue;
      }
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(target, text);
      sources[file] = {
        name: d.name,
        id: d.id,
        revision: d.revision,
        url: `https://grafana.com/api/dashboards/${d.id}/revisions/${d.revision}/download`,
        ...(base !== 'https://grafana.com' ? { fetchedFrom: url } : {}),
        sha256: createHash('sha256').update(text).digest('hex'),
      };
      process.stdout.write(`vendor-dashboards: ${shown} (${d.name}) from ${url}\n`);
    }
    if (Object.keys(sources).length > 0) {
      const sorted = Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(sourcesFile, `${JSON.stringify(sorted, null, 2)}\n`);
    }
  }
  if (problems > 0) process.exit(1);
}

main().catch((e) => usage(e.message));
