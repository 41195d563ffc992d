/**
 * Whole-fleet snapshots of the bundled example (cmm.yaml) and of the example inventories (examples/*.yaml): one
 * snapshot per cluster folder, in __snapshots__/fleet.test.ts.snap. Review the diff; never update blindly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleFiles, ROOT } from './test/support/example';

const files = exampleFiles();
const clusters = [...new Set([...files.keys()].map((f) => f.split('/')[0]))];

test('the example fleet has a folder per cluster, and one for ArgoCD', () => {
  expect(clusters).toEqual(['argocd', 'central', 'edge-1', 'kafka-prod']);
});

describe.each(clusters)('cluster %s', (cluster) => {
  test('snapshot', () => {
    const folder = Object.fromEntries([...files].filter(([f]) => f.startsWith(`${cluster}/`)));
    expect(folder).toMatchSnapshot();
  });
});

const examples = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe.each(examples)('examples/%s', (example) => {
  const exampleOutput = exampleFiles(path.join(ROOT, 'examples', example));
  const folders = [...new Set([...exampleOutput.keys()].map((f) => f.split('/')[0]))];
  test.each(folders)('folder %s', (folder) => {
    expect(Object.fromEntries([...exampleOutput].filter(([f]) => f.startsWith(`${folder}/`)))).toMatchSnapshot();
  });
});
