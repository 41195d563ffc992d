/**
 * Whole-fleet snapshots of the bundled example (cmm.yaml): one snapshot per cluster folder, in
 * __snapshots__/fleet.test.ts.snap. Review the diff; never update blindly.
 */
import { exampleFiles } from './test/support/example';

const files = exampleFiles();
const clusters = [...new Set([...files.keys()].map((f) => f.split('/')[0]))];

test('the example fleet has a folder per cluster', () => {
  expect(clusters).toEqual(['central', 'edge-1', 'kafka-prod']);
});

describe.each(clusters)('cluster %s', (cluster) => {
  test('snapshot', () => {
    const folder = Object.fromEntries([...files].filter(([f]) => f.startsWith(`${cluster}/`)));
    expect(folder).toMatchSnapshot();
  });
});
