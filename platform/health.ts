/**
 * Readiness (/readyz): the database answers and its schema is the one this build expects (no
 * migration of migrations/index.ts is missing). Liveness (/healthz) needs nothing: it is answered
 * by the process alone, so an orchestrator restarts the process only when the process is stuck,
 * never because the database is down.
 */
import type pg from 'pg';
import { migrationsList } from '../migrations/index.js';
import { isDatabaseUnavailable } from './database.js';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unavailable' | 'error';
  /** Migrations of this build not applied to the database (empty when current). */
  pendingMigrations: string[];
}

/** How long a readiness probe waits for the database before calling it unavailable. */
const PROBE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout exceeded when trying to connect'), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function readiness(pool: pg.Pool): Promise<Readiness> {
  let applied: Set<string>;
  try {
    const { rows } = await withTimeout(
      pool.query<{ name: string }>(`select name from mikro_orm_migrations`),
      PROBE_TIMEOUT_MS,
    );
    applied = new Set(rows.map((row) => row.name));
  } catch (error) {
    if (isDatabaseUnavailable(error)) return { ready: false, database: 'unavailable', pendingMigrations: [] };
    // Reachable, but no migrations table (42P01): nothing applied yet.
    if ((error as { code?: string }).code === '42P01') applied = new Set();
    else return { ready: false, database: 'error', pendingMigrations: [] };
  }
  const pendingMigrations = migrationsList.map((m) => m.name).filter((name) => !applied.has(name));
  return { ready: pendingMigrations.length === 0, database: 'ok', pendingMigrations };
}
