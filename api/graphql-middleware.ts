/**
 * Apollo Server at an Express route: what @as-integrations/express5's expressMiddleware does, with
 * the query string read without `url.parse` when there is none (a POST to /graphql) — the legacy
 * parser showed as 5% of a point lookup's server CPU. A URL with a query string is still parsed
 * by it, so GET requests are read exactly as before. A POST's answer is written without an ETag.
 */
import { parse as urlParse } from 'node:url';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type express from 'express';

export function graphqlMiddleware<C extends BaseContext>(server: ApolloServer<C>, context: (req: express.Request) => Promise<C>): express.RequestHandler {
  server.assertStarted('graphqlMiddleware()');
  return async (req, res) => {
    if (!('body' in req)) {
      res.status(500).send('`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const search = req.url.includes('?') ? (urlParse(req.url).search ?? '') : '';
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search, body: req.body },
      context: () => context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') {
      // A POST's answer is never cached nor asked for again conditionally: no ETag (Express's send
      // hashes every body for one, 1.3% of a point lookup's server CPU). GET answers keep theirs.
      if (req.method === 'POST') {
        res.setHeader('content-length', Buffer.byteLength(response.body.string));
        res.end(response.body.string);
      } else res.send(response.body.string);
      return;
    }
    // Incremental delivery: each part as it comes (compression middleware, when present, adds flush).
    const flushable = res as unknown as { flush?: () => void };
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      flushable.flush?.();
    }
    res.end();
  };
}
