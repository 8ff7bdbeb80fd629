/** The hierarchy over GraphQL, end to end over HTTP against a real PostgreSQL holding 徐州市. */
import { countByLevel, divisionsUnder } from '../support/division-csv.js';
import { createTestDatabase } from '../support/database.js';
import { errorCodes, startTestApi, useXuzhouApi } from '../support/api.js';
import { MAX_PAGE_SIZE } from '../../api/relay.js';

const live = useXuzhouApi();
const xuzhou = divisionsUnder('3203');

describe('region', () => {
  test('answers 徐州市 with the exact counts of the national data', async () => {
    const expected = countByLevel(xuzhou.values());
    const res = await live.api.gql(`{
      region(code: "320300000000") {
        code name level parentCode
        parent { code name level }
        ancestors { code name }
        counts { cities counties towns villages total }
        children(first: 50) { totalCount nodes { code name level } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const region = res.data!.region;
    expect(region).toMatchObject({ code: '320300000000', name: '徐州市', level: 'CITY', parentCode: '320000000000' });
    expect(region.parent).toEqual({ code: '320000000000', name: '江苏省', level: 'PROVINCE' });
    expect(region.ancestors).toEqual([{ code: '320000000000', name: '江苏省' }]);
    expect(region.counts).toEqual({
      cities: 0,
      counties: expected.COUNTY,
      towns: expected.TOWN,
      villages: expected.VILLAGE,
      total: xuzhou.size - 1,
    });
    const counties = [...xuzhou.values()].filter((d) => d.level === 'COUNTY');
    expect(region.children.totalCount).toBe(counties.length);
    expect(region.children.nodes).toEqual(counties.map((c) => ({ code: c.code, name: c.name, level: 'COUNTY' })));
  });

  test('accepts the 2/4/6/9-digit prefixes of a code and walks up from a village', async () => {
    const village = [...xuzhou.values()].find((d) => d.level === 'VILLAGE')!;
    const res = await live.api.gql(`query ($v: String!) {
      county: region(code: "320321") { code name }
      village: region(code: $v) { level ancestors { level } parent { level parent { level } } counts { total } }
    }`, { v: village.code });
    expect(res.data!.county).toEqual({ code: '320321000000', name: '丰县' });
    expect(res.data!.village.ancestors.map((a: { level: string }) => a.level)).toEqual(['PROVINCE', 'CITY', 'COUNTY', 'TOWN']);
    expect(res.data!.village.parent).toEqual({ level: 'TOWN', parent: { level: 'COUNTY' } });
    expect(res.data!.village.counts.total).toBe(0);
  });

  test('an unknown code is null; a malformed one is BAD_USER_INPUT', async () => {
    const unknown = await live.api.gql(`{ region(code: "320399000000") { code } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.region).toBeNull();
    for (const bad of ['3203x', '32030', '3203000000001', '', '３２０３']) {
      const res = await live.api.gql(`query ($c: String!) { region(code: $c) { code } }`, { c: bad });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions!.field).toBe('code');
    }
  });
});

describe('regions', () => {
  test('filters by level, parent, subtree and name', async () => {
    const towns = [...xuzhou.values()].filter((d) => d.level === 'TOWN');
    const streetsUnderFeng = towns.filter((t) => t.code.startsWith('320321'));
    const jiedao = towns.filter((t) => t.name.includes('街道'));
    const res = await live.api.gql(`{
      byLevel: regions(level: TOWN, first: 0) { totalCount }
      byParent: regions(parentCode: "320321", first: 100) { totalCount nodes { code } }
      bySearch: regions(within: "3203", level: TOWN, search: "街道", first: 500) { totalCount nodes { name } }
      exact: regions(search: "丰县") { nodes { code name } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.byLevel.totalCount).toBe(towns.length);
    expect(res.data!.byParent.totalCount).toBe(streetsUnderFeng.length);
    expect(res.data!.byParent.nodes.map((n: { code: string }) => n.code)).toEqual(streetsUnderFeng.map((t) => t.code));
    expect(res.data!.bySearch.totalCount).toBe(jiedao.length);
    expect(res.data!.bySearch.nodes.map((n: { name: string }) => n.name)).toEqual(jiedao.map((t) => t.name));
    expect(res.data!.exact.nodes).toEqual([{ code: '320321000000', name: '丰县' }]);
  });

  test('an unknown parent or subtree is NOT_FOUND; bad page arguments and searches are BAD_USER_INPUT', async () => {
    expect(errorCodes(await live.api.gql(`{ regions(parentCode: "320399") { totalCount } }`))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await live.api.gql(`{ regions(within: "320399") { totalCount } }`))).toEqual(['NOT_FOUND']);
    const tooMany = await live.api.gql(`{ regions(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`);
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0]!.extensions!.field).toBe('first');
    expect(errorCodes(await live.api.gql(`{ regions(first: -1) { totalCount } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await live.api.gql(`{ regions(after: "not-a-cursor!") { totalCount } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await live.api.gql(`{ regions(after: "Y3Vyc29yOmFiYw") { totalCount } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await live.api.gql(`{ regions(search: "   ") { totalCount } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await live.api.gql(`{ region(code: "3203") { children(first: 100000) { totalCount } } }`))).toEqual(['BAD_USER_INPUT']);
    // GraphQL's own type checks keep their standard codes.
    expect(errorCodes(await live.api.gql(`{ regions(level: HAMLET) { totalCount } }`))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('pagination', () => {
  const villages = [...xuzhou.values()].filter((d) => d.level === 'VILLAGE').map((d) => d.code);

  async function walk(field: (after: string | null) => string, pick: (data: any) => any): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const res = await live.api.gql(`query ($after: String) { ${field(after)} }`, { after });
      expect(res.errors).toBeUndefined();
      const conn = pick(res.data);
      expect(conn.edges.map((e: any) => e.node.code)).toEqual(conn.nodes.map((n: any) => n.code));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...conn.nodes.map((n: { code: string }) => n.code));
      if (!conn.pageInfo.hasNextPage) return seen;
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
      after = conn.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  const selection = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { code } } nodes { code }`;

  test('regions: every village of 徐州市 exactly once, in code order, across pages of 97', async () => {
    const seen = await walk(() => `regions(level: VILLAGE, within: "3203", first: 97, after: $after) { ${selection} }`, (d) => d.regions);
    expect(seen).toEqual(villages);
  });

  test('descendants and children page the same way', async () => {
    const seen = await walk(
      () => `region(code: "3203") { descendants(level: VILLAGE, first: 250, after: $after) { ${selection} } }`,
      (d) => d.region.descendants,
    );
    expect(seen).toEqual(villages);
    const towns = [...xuzhou.values()].filter((d) => d.level === 'TOWN' && d.code.startsWith('320382')).map((d) => d.code);
    const children = await walk(() => `region(code: "320382") { children(first: 7, after: $after) { ${selection} } }`, (d) => d.region.children);
    expect(children).toEqual(towns);
  });

  test('an empty page past the end', async () => {
    let end: { hasNextPage: boolean; endCursor: string | null } = { hasNextPage: true, endCursor: null };
    while (end.hasNextPage) {
      const res = await live.api.gql(`query ($a: String) { regions(level: VILLAGE, within: "3203", first: ${MAX_PAGE_SIZE}, after: $a) { pageInfo { hasNextPage endCursor } } }`, { a: end.endCursor });
      end = res.data!.regions.pageInfo;
    }
    const past = await live.api.gql(`query ($a: String) { regions(level: VILLAGE, within: "3203", after: $a) { nodes { code } pageInfo { hasNextPage endCursor } } }`, { a: end.endCursor });
    expect(past.data!.regions).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});

describe('node', () => {
  test('round-trips a global id and refuses malformed ones', async () => {
    const { data } = await live.api.gql(`{ region(code: "320382") { id name } }`);
    const res = await live.api.gql(`query ($id: ID!) { node(id: $id) { __typename id ... on Region { name } } nodes(ids: [$id, "UmVnaW9uOjMyMDM5OTAwMDAwMA"]) { id } }`, { id: data!.region.id });
    expect(res.data!.node).toEqual({ __typename: 'Region', id: data!.region.id, name: '邳州市' });
    expect(res.data!.nodes).toEqual([{ id: data!.region.id }, null]);
    expect(errorCodes(await live.api.gql(`{ node(id: "garbage!") { id } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await live.api.gql(`{ node(id: "${Buffer.from('Elephant:1').toString('base64url')}") { id } }`))).toEqual(['BAD_USER_INPUT']);
    // a known type with a key no object of it can have is malformed too, not absent (null)
    for (const id of ['Elder:1e5', 'Elder: 1', 'Elder:-1', 'Elder:01', 'LedgerTransaction:', 'Region:32', 'Region:3203210000001']) {
      const res = await live.api.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: Buffer.from(id).toString('base64url') });
      expect([id, errorCodes(res), res.errors?.[0]?.extensions?.field]).toEqual([id, ['BAD_USER_INPUT'], 'id']);
    }
    // well-formed and absent stays null
    expect((await live.api.gql(`{ node(id: "${Buffer.from('Elder:999999999').toString('base64url')}") { id } }`)).data).toEqual({ node: null });
  });
});

describe('N+1', () => {
  const nested = (code: string) => `{
    region(code: "${code}") {
      name counts { villages }
      children(first: 20) { totalCount nodes {
        name counts { towns villages } parent { name } ancestors { name }
        children(first: 50) { totalCount nodes {
          name parent { name }
          children(first: 100) { totalCount nodes { code name parent { name } } }
        } }
      } }
    }
  }`;

  test('a city → counties → towns → villages query costs a number of statements bounded by its depth', async () => {
    live.db.statements.length = 0;
    const city = await live.api.gql(nested('3203'));
    expect(city.errors).toBeUndefined();
    const cityStatements = live.db.statements.length;
    const villages = city.data!.region.children.nodes.flatMap((c: any) => c.children.nodes.flatMap((t: any) => t.children.nodes));
    expect(villages).toHaveLength(countByLevel(xuzhou.values()).VILLAGE!);

    live.db.statements.length = 0;
    const county = await live.api.gql(nested('320321'));
    expect(county.errors).toBeUndefined();

    // One statement per relation per depth: 3 levels of children and their counts, parents at 3
    // depths, ancestors, region counts. 2,812 villages or 400 villages, the same small number.
    expect(cityStatements).toBeLessThanOrEqual(12);
    expect(live.db.statements.length).toBe(cityStatements);
  });
});

describe('errors', () => {
  test('internal failures are masked: no stack trace, no SQL, a stable code', async () => {
    const broken = await createTestDatabase({ withXuzhou: true });
    const brokenApi = await startTestApi(broken);
    try {
      await broken.pool.query('alter table region rename to region_gone');
      const res = await brokenApi.gql(`{ region(code: "3203") { name } }`);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toEqual({
        message: 'Internal server error',
        path: ['region'],
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      expect(JSON.stringify(res)).not.toMatch(/region_gone|relation|select|at /i);
    } finally {
      await brokenApi.close();
      await broken.drop();
    }
  });
});

describe('landing page', () => {
  test('a browser opening /graphql gets GraphiQL with all its assets served locally', async () => {
    const page = await fetch(live.api.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, live.api.url));
      expect([asset, res.status]).toEqual([asset, 200]);
    }
  });
});
