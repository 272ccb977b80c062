// Serves the Prometheus page: GET /metrics on the configured address (loopback unless the
// configuration names another), anything else 404. A scrape never touches the kill path:
// it runs on the main loop between events, and its reads are the cheap memory and PSI
// files (metrics.ts).
import { createServer, type Server } from 'node:http';
import type { ListenAddress } from '../config/types.js';
import type { Registry } from 'prom-client';
import type { Log } from './logger.js';

export interface MetricsServer {
  /** The bound address (port 0 in the configuration: the port the kernel chose). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

export async function serveMetrics(at: ListenAddress, registry: Registry, log: Log): Promise<MetricsServer> {
  let failedOnce = false;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('reapd serves /metrics only\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => {
        if (!failedOnce) log.warn('metrics-failed', `a /metrics scrape failed: ${e instanceof Error ? e.message : String(e)}`);
        failedOnce = true;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
      },
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : at.port;
  log.info('metrics-listening', `Prometheus metrics on http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}/metrics`, { host: at.host, port });
  return {
    address: { host: at.host, port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
