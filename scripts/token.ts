/**
 * npm run token -- --role AUDITOR --region 320300000000 [--subject name] [--ttl 8h] [--key private.jwk.json]
 * Issues a bearer token for local use and the demo. Without --key it signs with the configured
 * HS256 secret (SUNSHINE_JWT_SECRET, or the development secret under .data/secrets that `npm start`
 * also uses). Prints the token alone on stdout, so `TOKEN=$(npm run -s token -- …)` works.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { JWK } from 'jose';
import { ROLES, ROLE_LEVELS, type Role } from '../auth/roles.js';
import { issueToken, signingKeyFromConfig, signingKeyFromJwk } from '../auth/tokens.js';
import { normaliseRegionCode } from '../platform/region-code.js';

const program = new Command()
  .name('token')
  .description('Issue a Sunshine bearer token (JWT)')
  .addOption(new Option('--role <role...>', 'one or more roles').choices([...ROLES]).makeOptionMandatory())
  .requiredOption('--region <code>', 'jurisdiction: a region code (12 digits, or its 4/6/9-digit prefix), e.g. 320300000000 for 徐州市')
  .option('--subject <name>', 'who the token is for (recorded as the actor on ledger transactions)')
  .option('--ttl <lifetime>', 'lifetime such as 30m, 8h, 30d', '8h')
  .option('--key <file>', 'sign with this private JWK (RS256/ES256, or an HS256 "oct" key) instead of the configured secret')
  .addHelpText('after', `\nJurisdiction levels per role:\n${ROLES.map((r) => `  ${r.padEnd(22)} ${ROLE_LEVELS[r].join(', ')}`).join('\n')}\n\nExample:\n  curl -H "Authorization: Bearer $(npm run -s token -- --role AUDITOR --region 3203)" ...`)
  .parse();

async function main() {
  const opts = program.opts<{ role: Role[]; region: string; subject?: string; ttl: string; key?: string }>();
  let jurisdiction: string;
  try {
    jurisdiction = normaliseRegionCode(opts.region);
  } catch (error) {
    return program.error((error as Error).message);
  }
  const signingKey = opts.key ? await signingKeyFromJwk(JSON.parse(fs.readFileSync(opts.key, 'utf8')) as JWK) : signingKeyFromConfig();
  const subject = opts.subject ?? `${opts.role.join('+').toLowerCase()}@${jurisdiction}`;
  try {
    process.stdout.write(`${await issueToken({ subject, roles: opts.role, jurisdiction, expiresIn: opts.ttl }, signingKey)}\n`);
  } catch (error) {
    program.error((error as Error).message);
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
