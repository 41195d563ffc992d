/**
 * `npm run synth`: reads the inventory, builds the fleet and writes `dist/<cluster>/`.
 *
 *   --inventory <file>  (or CMM_INVENTORY)  default: cmm.yaml
 *   --outdir <dir>      (or CDK8S_OUTDIR)   default: dist
 *
 * Exit code 0 on success; 1 with one line per problem on invalid input, in which case `dist/` is untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet, parseInventory, renderApp, showValue, ValidationError, writeOutput } from './lib';

const OPTIONS = ['--inventory', '--outdir'] as const;
type Option = (typeof OPTIONS)[number];

/** `--inventory FILE --outdir DIR`; anything else is an error. */
function parseArgs(args: string[]): Partial<Record<Option, string>> {
  const out: Partial<Record<Option, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!(OPTIONS as readonly string[]).includes(a)) {
      throw new UsageError(a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${a}`);
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} needs a value`);
    out[a as Option] = value;
    i++;
  }
  return out;
}

class UsageError extends Error {}

function main(args: string[]): number {
  const started = process.hrtime.bigint();
  const opts = parseArgs(args);
  const inventoryPath = opts['--inventory'] ?? process.env.CMM_INVENTORY ?? 'cmm.yaml';
  const outdir = opts['--outdir'] ?? process.env.CDK8S_OUTDIR ?? 'dist';

  let text: string;
  try {
    text = fs.readFileSync(inventoryPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the inventory ${inventoryPath}: ${(e as Error).message}`);
  }
  const inventory = parseInventory(text, inventoryPath);

  const dashboardFiles: Record<string, unknown> = {};
  (inventory.central.dashboards?.files ?? []).forEach((file, i) => {
    const where = `central.dashboards.files[${i}]`;
    const full = path.resolve(path.dirname(inventoryPath), file);
    let content: string;
    try {
      content = fs.readFileSync(full, 'utf8');
    } catch (e) {
      throw new UsageError(
        `${where}: ${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a dashboard JSON file relative to the inventory`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (e) {
      throw new UsageError(
        `${where}: ${JSON.stringify(file)} is not valid JSON (${(e as Error).message}); expected a Grafana dashboard JSON model`,
      );
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new UsageError(
        `${where}: ${JSON.stringify(file)} holds ${showValue(json)}; expected a Grafana dashboard JSON object`,
      );
    }
    dashboardFiles[file] = json;
  });

  const app = new App({ outdir });
  const fleet = new Fleet(app, 'Fleet', { inventory, dashboardFiles });
  const files = renderApp(app);
  writeOutput(outdir, files);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    `cmm: ${fleet.clusterCharts.length} clusters, ${files.size} files written to ${outdir}/ in ${ms.toFixed(0)} ms\n`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof ValidationError) {
    process.stderr.write(`cmm: ${e.message}\n`);
  } else if (e instanceof UsageError) {
    process.stderr.write(`cmm: ${e.message}\n`);
  } else {
    process.stderr.write(`cmm: ${(e as Error).message ?? String(e)}\n`);
  }
  process.stderr.write('cmm: nothing was written; the output folder is unchanged\n');
  process.exitCode = 1;
}
