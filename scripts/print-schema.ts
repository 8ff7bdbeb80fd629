/**
 * npm run schema:print  — writes schema/schema.graphql from the code.
 * npm run schema:check  — fails when the checked-in schema/schema.graphql differs from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/config.js';
import { printSdl } from '../api/schema.js';

const file = path.join(projectRoot, 'schema/schema.graphql');
const sdl = await printSdl();

if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== sdl) {
    process.stderr.write('schema/schema.graphql is stale: run `npm run schema:print` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('schema/schema.graphql is up to date.\n');
} else if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === sdl) {
  // Left untouched: a rewrite would make the next command re-run codegen and the build for nothing.
  process.stdout.write(`${path.relative(projectRoot, file)} is already up to date.\n`);
} else {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sdl);
  process.stdout.write(`wrote ${path.relative(projectRoot, file)}\n`);
}
