/**
 * A child process for the output-folder tests: writes one version of an output folder with `writeOutputFolder`, and
 * kills itself (SIGKILL, no clean-up) at a named step when told to, like a user's Ctrl-\ or the OOM killer.
 *
 *   node write-driver.js <outdir> <files as JSON> [<step to die at>]
 */
import { writeOutputFolder } from '../../lib/output/outdir';

const [outdir, filesJson, killAt] = process.argv.slice(2);
const files = new Map(Object.entries(JSON.parse(filesJson) as Record<string, string>));
try {
  const report = writeOutputFolder(outdir, files, {
    onStep: (step) => {
      if (step === killAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
