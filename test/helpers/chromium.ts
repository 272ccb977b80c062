// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
// Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and events on
// fd 4). No dependency beyond Debian's `chromium` package; every wait has a timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 30_000;

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (apt-get install -y chromium)`;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Array<{ method: string; resolve: () => void }> = [];
  private buffer = '';
  private session = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.onData(chunk));
  }

  /** Launch flags for root in a container: no sandbox, no GPU, nothing that phones home. */
  static async launch(): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'reapd-chromium-'));
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'];
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const c = new Chromium(child, profile);
    const { targetId } = (await c.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await c.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    c.session = sessionId;
    await c.page('Page.enable');
    return c;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(this.buffer.slice(0, end)) as { id?: number; method?: string; result?: Record<string, unknown>; error?: { message: string } };
      this.buffer = this.buffer.slice(end + 1);
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result ?? {});
      } else if (msg.method) {
        const i = this.waiters.findIndex((w) => w.method === msg.method);
        if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve();
      }
    }
  }

  private send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no reply within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** A command to the page's session. */
  page(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.send(method, params, this.session);
  }

  private event(method: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: not seen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      this.waiters.push({ method, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Open `url` in a viewport `width` × `height` CSS px and wait for its load event. */
  async open(url: string, width: number, height = 900): Promise<void> {
    await this.page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    const loaded = this.event('Page.loadEventFired');
    await this.page('Page.navigate', { url });
    await loaded;
  }

  /** Evaluate an expression in the page; its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.page('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** A PNG of the whole page (beyond the viewport), or of `clip` (CSS px), as bytes. */
  async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    const params = { format: 'png', captureBeyondViewport: true, ...(clip ? { clip: { ...clip, scale: 1 } } : {}) };
    const r = (await this.page('Page.captureScreenshot', params)) as { data: string };
    return Buffer.from(r.data, 'base64');
  }

  /** The page printed as Chromium would on A4 (CSS @page decides margins), as PDF bytes. */
  async pdf(): Promise<Buffer> {
    const r = (await this.page('Page.printToPDF', { paperWidth: 8.27, paperHeight: 11.69, preferCSSPageSize: true })) as { data: string };
    return Buffer.from(r.data, 'base64');
  }

  /** Close the browser (Browser.close, then SIGKILL to our child by pid), remove the profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
