/** The verifier package's own tests (node:test, plain Node, no dependencies) run inside `npm test`. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

test('verifier/test passes under plain node --test', async () => {
  const dir = path.resolve('verifier/test');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => path.join(dir, f));
  expect(files.length).toBeGreaterThan(0);
  const result = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, ['--test', ...files], { cwd: path.resolve('verifier') }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
  expect(result.out).toMatch(/# fail 0|ℹ fail 0/);
  expect(result.code).toBe(0);
});

test('the verifier package has no dependencies and imports nothing outside itself', () => {
  const pkg = JSON.parse(fs.readFileSync('verifier/package.json', 'utf8'));
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(pkg.devDependencies).toBeUndefined();
  const sources = ['bin', 'lib'].flatMap((d) => fs.readdirSync(path.join('verifier', d)).map((f) => path.join('verifier', d, f)));
  for (const file of sources) {
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
      expect(spec!.startsWith('node:') || spec!.startsWith('../lib/') || spec!.startsWith('./')).toBe(true);
    }
  }
});

test("the verifier's journal templates are the ledger's (ledger/journal.ts), kind for kind and leg for leg", async () => {
  const { JOURNAL } = await import('../../ledger/journal.js');
  const { TEMPLATES } = await import(path.resolve('verifier/lib/journal.js'));
  const asTheVerifierSays = Object.fromEntries(
    Object.entries(JOURNAL).map(([kind, legs]) => {
      const leg = (side: 'D' | 'C') => {
        const l = legs.find((x) => x.side === side)!;
        return { account: l.account, region: l.region === 'region' ? 'own' : 'counterpart', lot: l.lot === 'created' ? 'created' : 'used', ...(l.payee ? { payee: true } : {}) };
      };
      expect(legs.length).toBe(2);
      return [kind, { debit: leg('D'), credit: leg('C') }];
    }),
  );
  expect(TEMPLATES).toEqual(asTheVerifierSays);
});
