/**
 * Local servers and child processes for the end-to-end tests: everything on 127.0.0.1, every process in its own
 * group and stopped by its id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type * as http from 'node:http';
import * as net from 'node:net';

export function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export function close(server: http.Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes.

/** Log lines kept per process, for the failure message. */
export const LOG_TAIL_CHARS = 16_000;

export interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  log: string;
  exited: Promise<void>;
  exitCode?: number | null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The environment without proxy settings, so that nothing on loopback goes through a proxy. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return env;
}

export function spawnProc(name: string, bin: string, args: string[], port: number): Proc {
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  const proc: Proc = {
    name,
    child,
    port,
    log: '',
    exited: new Promise((resolve) => {
      child.once('exit', (code) => {
        proc.exitCode = code;
        resolve();
      });
      child.once('error', (err) => {
        proc.log += `\n[spawn error] ${err.message}\n`;
        proc.exitCode = -1;
        resolve();
      });
    }),
  };
  const append = (chunk: Buffer) => {
    proc.log += chunk.toString('utf8');
    if (proc.log.length > 4 * LOG_TAIL_CHARS) proc.log = proc.log.slice(-LOG_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return proc;
}

export function alive(proc: Proc): boolean {
  return proc.exitCode === undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `p` settles within `ms`; the timer is cleared either way, so that it does not keep Jest waiting. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, text: await res.text() };
}

export async function getJson<T>(url: string): Promise<T> {
  const { status, text } = await httpGet(url);
  if (status !== 200) throw new Error(`GET ${url}: HTTP ${status}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Starts a server process on a free port and waits for its `/-/ready`. The port is chosen just before the start,
 * so another process may take it in between: then the start is retried on another port.
 */
export async function startServer(
  name: string,
  bin: string,
  args: (port: number) => string[],
  started: Proc[],
  timeoutMs = 20_000,
): Promise<Proc> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawnProc(name, bin, args(port), port);
    started.push(proc);
    const deadline = Date.now() + timeoutMs;
    while (alive(proc) && Date.now() < deadline) {
      try {
        if ((await httpGet(`http://127.0.0.1:${port}/-/ready`)).status === 200) return proc;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    if (alive(proc)) throw new Error(`${name} was not ready within ${timeoutMs / 1000}s. Its log:\n${tail(proc)}`);
    if (attempt < 3 && /address already in use/i.test(proc.log)) continue;
    throw new Error(`${name} exited with code ${proc.exitCode} before it was ready. Its log:\n${tail(proc)}`);
  }
}

export function tail(proc: Proc): string {
  return proc.log.slice(-LOG_TAIL_CHARS);
}

export function processGroupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops a process group (SIGTERM, then SIGKILL after 5s) and waits for the process to exit. */
export async function stop(proc: Proc): Promise<void> {
  const pid = proc.child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  if (alive(proc)) signal('SIGTERM');
  if (!(await within(proc.exited, 5_000))) {
    signal('SIGKILL');
    await within(proc.exited, 5_000);
  }
  // Anything left in the group (the servers start no children, but be sure).
  if (processGroupExists(pid)) {
    signal('SIGKILL');
    await sleep(200);
  }
}
