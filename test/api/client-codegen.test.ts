/** The typed client artifacts: generated documents type-check client code, and run against the live API. */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../platform/config.js';
import { countySummary } from '../../client/example.js';
import { countByLevel, divisionsUnder } from '../support/division-csv.js';
import { tokenFor, useXuzhouApi } from '../support/api.js';

function typeErrors(file: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(projectRoot, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram([file], { ...config.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('generated client types', () => {
  test.each(['client/example.ts', 'client/workflows.ts'])('%s compiles against the generated documents', (file) => {
    expect(typeErrors(path.join(projectRoot, file))).toEqual([]);
  }, 120_000);

  test('a query that asks for a field the schema lacks, or passes a wrong variable, does not compile', () => {
    const file = path.join(projectRoot, 'client', `.wrong-usage-${process.pid}.ts`);
    fs.writeFileSync(
      file,
      `import { RegionDetailDocument } from './generated/graphql.js';
       import { request } from './example.js';
       export async function wrong(url: string) {
         const result = await request(url, RegionDetailDocument, { code: 3203 });
         return result.region?.population;
       }\n`,
    );
    try {
      const errors = typeErrors(file);
      expect(errors.some((e) => e.startsWith('TS2322') || e.startsWith('TS2345'))).toBe(true); // code must be a string
      expect(errors.some((e) => e.startsWith('TS2339') && e.includes('population'))).toBe(true);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }, 120_000);
});

describe('the typed client against a live server', () => {
  const live = useXuzhouApi();

  test('countySummary returns every county of 徐州市 with its village count', async () => {
    // A county system's machine credential for the whole city, as a front-end or county system would hold.
    const summary = await countySummary(live.api.url, '3203', await tokenFor('SYSTEM_CLIENT', '320300000000'));
    const counties = [...divisionsUnder('3203').values()].filter((d) => d.level === 'COUNTY');
    expect(summary.map((s) => s.name)).toEqual(counties.map((c) => c.name));
    for (const [i, county] of counties.entries()) {
      expect(summary[i]!.villages).toBe(countByLevel(divisionsUnder(county.code.slice(0, 6)).values()).VILLAGE ?? 0);
    }
  });
});
