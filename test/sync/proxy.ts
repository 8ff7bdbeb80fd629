/**
 * A server in front of the real one, for the sync client's tests: it forwards every request and
 * lets a test rewrite the answers the client acts on — the export listing (a token that may pull
 * fewer types, or a spoofed server offering SQL as a path) and the feed's pages — or hold them back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** May take its time: a held answer plays a slow server, or a slow run. */
type Rewrite = (body: any) => unknown | Promise<unknown>;

export interface TestProxy {
  /** Base URL, as --server takes it. */
  url: string;
  /** Rewrites the body of GET /export/v1/ (null: as the server sent it). */
  listing: Rewrite | null;
  /** Rewrites the body of every POST /graphql (null: as the server sent it). */
  graphql: Rewrite | null;
  close(): Promise<void>;
}

export async function startProxy(upstream: string): Promise<TestProxy> {
  const base = upstream.replace(/\/graphql$/, '');
  const proxy: TestProxy = { url: '', listing: null, graphql: null, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) if (req.headers[name]) headers[name] = String(req.headers[name]);
      // No accept-encoding upstream: the answer is forwarded as plain text, rewritten or not.
      const answer = await fetch(`${base}${req.url}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
      const rewrite = req.url === '/export/v1/' ? proxy.listing : req.url === '/graphql' ? proxy.graphql : null;
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      if (rewrite) res.end(JSON.stringify(await rewrite(await answer.json())));
      else if (answer.body) Readable.fromWeb(answer.body as never).pipe(res);
      else res.end();
    } catch (error) {
      res.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the client's keep-alive connections would hold close() for seconds
    });
  return proxy;
}
