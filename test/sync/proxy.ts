/**
 * A server in front of the real one, for the sync client's tests: it forwards every request and
 * lets a test rewrite the answers the client acts on — the export listing (a token that may pull
 * fewer types, or a spoofed server offering SQL as a path) and the feed's pages — or hold them back,
 * and hold an export at its last line or drop it there.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** May take its time: a held answer plays a slow server, or a slow run. */
type Rewrite = (body: any) => unknown | Promise<unknown>;

/**
 * What becomes of an export (GET /export/v1/<path>): every line is forwarded but the last (the
 * `{"end":true,…}` line), which waits for `hold`, or never comes — `cut`: the connection is dropped
 * instead, as a server that died mid-export would. `held` is told when the body has reached that point.
 */
export interface ExportPlan {
  hold?: Promise<void>;
  cut?: boolean;
  held?: () => void;
}

export interface TestProxy {
  /** Base URL, as --server takes it. */
  url: string;
  /** Rewrites the body of GET /export/v1/ (null: as the server sent it). */
  listing: Rewrite | null;
  /** Rewrites the body of every POST /graphql (null: as the server sent it). */
  graphql: Rewrite | null;
  /** The plan for the export of a path (null, or answering null: as the server sent it). */
  exports: ((path: string) => ExportPlan | null) | null;
  close(): Promise<void>;
}

/** Forwards an export's body line by line, and at its end line follows the plan. */
async function forwardExport(body: ReadableStream<Uint8Array>, res: http.ServerResponse, plan: ExportPlan): Promise<void> {
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of Readable.fromWeb(body as never)) {
    pending += decoder.decode(chunk as Buffer, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('{"end":true')) {
        plan.held?.();
        if (plan.cut) return void res.destroy();
        await plan.hold;
      }
      res.write(`${line}\n`);
    }
  }
  res.end(pending);
}

export async function startProxy(upstream: string): Promise<TestProxy> {
  const base = upstream.replace(/\/graphql$/, '');
  const proxy: TestProxy = { url: '', listing: null, graphql: null, exports: null, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) if (req.headers[name]) headers[name] = String(req.headers[name]);
      // No accept-encoding upstream: the answer is forwarded as plain text, rewritten or not.
      const answer = await fetch(`${base}${req.url}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
      const rewrite = req.url === '/export/v1/' ? proxy.listing : req.url === '/graphql' ? proxy.graphql : null;
      const exported = /^\/export\/v1\/([^/?]+)/.exec(req.url ?? '')?.[1];
      const plan = exported && answer.status === 200 && answer.body ? (proxy.exports?.(exported) ?? null) : null;
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      if (rewrite) res.end(JSON.stringify(await rewrite(await answer.json())));
      else if (plan) await forwardExport(answer.body!, res, plan);
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
