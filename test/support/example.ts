import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Fleet, parseInventory, renderApp, ValidationError, type Inventory } from '../../lib';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A synthesized manifest. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** Reads the dashboard files an inventory lists, as main.ts does. */
export function readDashboardFiles(inv: Inventory, dir = ROOT): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of inv.central.dashboards?.files ?? []) out[f] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  return out;
}

/** Builds the fleet of an inventory text (the bundled example by default), dashboards read from `dir`. */
export function buildFleet(
  text = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8'),
  dir = ROOT,
): { app: App; fleet: Fleet } {
  const inventory = parseInventory(text, 'cmm.yaml');
  const app = Testing.app();
  const fleet = new Fleet(app, 'Fleet', { inventory, dashboardFiles: readDashboardFiles(inventory, dir) });
  return { app, fleet };
}

/** The rendered files (path → YAML text) of an example inventory file (the bundled cmm.yaml by default). */
export function exampleFiles(file = path.join(ROOT, 'cmm.yaml')): Map<string, string> {
  return renderApp(buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file)).app);
}

/** Every example inventory: cmm.yaml and examples/*.yaml. */
export function exampleInventories(): string[] {
  const dir = path.join(ROOT, 'examples');
  return [
    path.join(ROOT, 'cmm.yaml'),
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(dir, f)),
  ];
}

/** Every manifest of an app. */
export function manifestsOf(app: App): Manifest[] {
  return app.node
    .findAll()
    .filter((c): c is Chart => c instanceof Chart)
    .flatMap((c) => c.toJson() as Manifest[]);
}

/** The values a HelmChart manifest installs (its valuesContent, parsed). */
export function helmValues(manifest: Manifest): Record<string, any> {
  return parse((manifest.spec as { valuesContent: string }).valuesContent);
}

/** A chart's manifests by `<kind>/<name>`. */
export function byKindName(chart: Chart): Map<string, Manifest> {
  return new Map((chart.toJson() as Manifest[]).map((m) => [`${m.kind}/${m.metadata.name}`, m]));
}

/** The problem lines `parseInventory` reports for an inventory text; none for a valid one. */
export function inventoryProblems(text: string, fileName = 'inv.yaml'): readonly string[] {
  try {
    parseInventory(text, fileName);
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.problems;
  }
}

/** The message `build` throws, or `'no error'`. */
export function thrownMessage(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}
