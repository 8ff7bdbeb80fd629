/**
 * The two DataLoader shapes every per-request loader is built from (api/loaders.ts, api/registry/loaders.ts):
 * siblings at one depth of a query share a single SQL statement.
 */
import DataLoader from 'dataloader';

/** One statement for many keys; `missing` for keys the fetch did not return. */
export function keyedLoader<T>(fetch: (keys: string[]) => Promise<Map<string, T>>, missing: T): DataLoader<string, T> {
  return new DataLoader(async (keys) => {
    const found = await fetch([...keys]);
    return keys.map((key) => found.get(key) ?? missing);
  });
}

/**
 * Keys are an owner plus a shape (page arguments, filters): owners asking with the same shape are
 * fetched in one statement, one statement per distinct shape.
 */
export function shapedLoader<Shape, T>(fetch: (owners: string[], shape: Shape) => Promise<Map<string, T>>, missing: T) {
  const loader = new DataLoader<{ owner: string; shape: Shape }, T, string>(
    async (keys) => {
      const groups = new Map<string, { shape: Shape; owners: string[] }>();
      for (const key of keys) {
        const s = JSON.stringify(key.shape);
        const g = groups.get(s) ?? { shape: key.shape, owners: [] };
        g.owners.push(key.owner);
        groups.set(s, g);
      }
      const results = new Map<string, T>();
      await Promise.all(
        [...groups.entries()].map(async ([s, g]) => {
          const found = await fetch([...new Set(g.owners)], g.shape);
          for (const owner of g.owners) results.set(`${owner}|${s}`, found.get(owner) ?? missing);
        }),
      );
      return keys.map((key) => results.get(`${key.owner}|${JSON.stringify(key.shape)}`) ?? missing);
    },
    { cacheKeyFn: (key) => `${key.owner}|${JSON.stringify(key.shape)}` },
  );
  return { load: (owner: string, shape: Shape) => loader.load({ owner, shape }) };
}
