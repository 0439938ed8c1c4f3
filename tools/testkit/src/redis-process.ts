import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { track, untrack } from './cleanup.js';

const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;

/** Answers a RESP PING on 127.0.0.1:port, or rejects. */
export function ping(port: number, timeoutMs = 500): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('PING timed out')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      if (data.toString().startsWith('+PONG')) resolve();
      else fail(new Error(`unexpected reply to PING: ${data.toString().trim()}`));
    });
  });
}

/**
 * One redis-server process on a loopback port, with no persistence, that can be stopped
 * and started again on the same port (for fault tests).
 */
export class RedisProcess {
  readonly port: number;
  readonly #extraArgs: string[];
  readonly #dir: string;
  #child: ChildProcess | undefined;
  #watchdog: ChildProcess | undefined;
  #output = '';

  constructor(port: number, extraArgs: string[] = []) {
    this.port = port;
    this.#extraArgs = extraArgs;
    this.#dir = mkdtempSync(join(tmpdir(), `bulwark-redis-${port}-`));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return (
      this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    const bin = requireBinary('redis-server');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    args.push('--dir', this.#dir, ...this.#extraArgs);
    this.#output = '';
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => this.#keepOutput(d));
    child.stderr?.on('data', (d) => this.#keepOutput(d));
    this.#child = child;
    track(child.pid!);
    this.#watchdog = startWatchdog(child.pid!);
    await this.#waitUntilReady();
  }

  /** Stops the server (SIGTERM, then SIGKILL past a deadline) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#watchdog?.kill('SIGKILL');
    this.#watchdog = undefined;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
    untrack(child.pid!);
  }

  /** Stops the server and removes its working folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #keepOutput(data: Buffer): void {
    // The tail is enough to explain a failed start.
    this.#output = (this.#output + data.toString()).slice(-4000);
  }

  async #waitUntilReady(): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      if (!this.running) {
        throw new Error(
          `testkit: redis-server on port ${this.port} exited at start:\n${this.#output}`,
        );
      }
      try {
        await ping(this.port);
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(
            `testkit: redis-server on port ${this.port} did not answer PING: ${error}\n${this.#output}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/**
 * A detached shell that kills the server once this process is gone, however it went
 * (a SIGKILL'd test runner runs no exit hooks).
 */
function startWatchdog(serverPid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${serverPid} 2>/dev/null; do sleep 0.5; done; kill -9 ${serverPid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}
