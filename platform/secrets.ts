/**
 * Secrets (JWT signing secret, personal-data encryption and look-up keys) come from configuration.
 * So that `npm start` and the tests work on a fresh machine, a development run without them gets a
 * random key generated once and kept next to the embedded database (.data/secrets, git-ignored,
 * mode 0600). Production (NODE_ENV=production) never generates one: a missing secret is an error.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isProduction, secretSetting, secretsDir } from './config.js';

export class MissingSecretError extends Error {
  constructor(variable: string) {
    super(`${variable} must be set in production (see README "Configuration")`);
    this.name = 'MissingSecretError';
  }
}

/** The folder that holds generated development secrets. */
export function devSecretsDir(): string {
  return secretsDir();
}

/**
 * The value of `variable` if set; otherwise (outside production) a 32-byte random key, base64url,
 * generated on first use and read back on every later run.
 */
export function secretFromEnv(variable: string, devName: string): string {
  const value = secretSetting(variable);
  if (value) return value;
  if (isProduction()) throw new MissingSecretError(variable);
  const dir = devSecretsDir();
  const file = path.join(dir, devName);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Only the secrets folder itself is private: its parent (.data) also holds the embedded database,
  // which PostgreSQL (possibly running as another user) must be able to reach.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const generated = crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, generated + '\n', { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw error;
  }
}
