/**
 * Parameterised SQL on the connection pool MikroORM owns (one pool per process). Read models that
 * batch with lateral joins and unnest($1::text[]) use this rather than the ORM, which inlines
 * parameters into the SQL text. `onStatement` sees every statement (tests count them).
 */
import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { holdUntilNextTurn, isPipelined } from './pipeline.js';

/** The role the application writes as: SELECT and INSERT only on the append-only tables (see the migrations). */
export const APP_ROLE = 'sunshine_app';
/** A transaction `setup` that switches to APP_ROLE for the rest of the transaction. */
export const AS_APP_ROLE = `set local role ${APP_ROLE}`;

/**
 * Runs `fn` in one database transaction on a pooled connection: `begin` (followed by `setup`, such
 * as AS_APP_ROLE or a lock), then `commit` (unless `fn` committed); on any error `rollback` and
 * rethrow. The one place every module opens a transaction.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  setup?: string,
  /** Told how long `begin` and `setup` took (a lock in `setup`: the wait for it). */
  onSetupDone?: (seconds: number) => void,
): Promise<T> {
  const client = await pool.connect();
  // On a pipelined connection (platform/pipeline.ts) `fn`'s first statements travel with `begin`;
  // if `begin` or `setup` fails they fail too (25P02), and the error thrown is begin's own.
  const started = performance.now();
  if (isPipelined(client)) holdUntilNextTurn(client); // `begin` leaves with fn's first flight, in one write
  const begun = client.query(setup ? `begin; ${setup}` : 'begin').then(() => onSetupDone?.((performance.now() - started) / 1000));
  begun.catch(() => {}); // awaited below
  try {
    if (!isPipelined(client)) await begun;
    let result: T;
    try {
      result = await fn(client);
    } finally {
      await begun;
    }
    // `fn` may have committed with its last statements (the ledger's group writer sends COMMIT
    // with its rows): then the connection is out of any transaction, and there is nothing to commit.
    if (client.getTransactionStatus() !== 'I') await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface Sql {
  /** `name`: a hot statement of constant text, prepared once per connection (parsed and planned once). */
  query<T>(text: string, params?: unknown[], name?: string): Promise<T[]>;
}

export function sqlOnPool(pool: pg.Pool, onStatement?: (text: string) => void): Sql {
  return {
    async query<T>(text: string, params: unknown[] = [], name?: string): Promise<T[]> {
      onStatement?.(text);
      const result = await pool.query(name ? { name, text, values: params } : { text, values: params });
      return result.rows as T[];
    },
  };
}

export async function ormPool(orm: MikroORM): Promise<pg.Pool> {
  return orm.em.getConnection().getNativeClient();
}

// ---- a tagged-template SQL builder ------------------------------------------------------------------

/**
 * A value bound once however often it appears: every `${p}` of the same Param becomes the same `$n`
 * (a scope prefix used on both sides of a `between`, say). Plain values get a fresh `$n` each time.
 */
export class Param {
  constructor(readonly value: unknown) {}
}

export const param = (value: unknown): Param => new Param(value);

/** A finished statement: the text with `$1`, `$2` … and its values in that order (pg's query config). */
export interface Query {
  text: string;
  values: unknown[];
}

/**
 * A piece of SQL with its values kept beside it, never spliced into the text. Fragments nest: a
 * fragment interpolated into another is inlined with its values, so a condition can be written
 * where it belongs and numbered only when the statement is built.
 */
export class SqlFragment {
  constructor(
    private readonly strings: readonly string[],
    private readonly values: readonly unknown[],
  ) {
    if (strings.length !== values.length + 1) throw new Error('an SQL fragment needs one more text part than values');
  }

  /** The statement: values numbered `$1`… in the order they appear, each Param once. */
  build(): Query {
    const values: unknown[] = [];
    return { text: this.render(values, new Map()), values };
  }

  private render(values: unknown[], numbers: Map<Param, number>): string {
    let text = this.strings[0]!;
    this.values.forEach((value, i) => {
      text += this.placeholder(value, values, numbers) + this.strings[i + 1]!;
    });
    return text;
  }

  private placeholder(value: unknown, values: unknown[], numbers: Map<Param, number>): string {
    if (value instanceof SqlFragment) return value.render(values, numbers);
    if (!(value instanceof Param)) return `$${values.push(value)}`;
    let n = numbers.get(value);
    if (n === undefined) numbers.set(value, (n = values.push(value.value)));
    return `$${n}`;
  }
}

/** sql`select … where code = ${code}`: values become parameters; SqlFragment values are inlined. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return new SqlFragment(strings, values);
}

/**
 * Trusted SQL text inserted as is: table names, column lists and other constants of the code —
 * never a value that came from a caller (that is what a parameter is for).
 */
export function raw(text: string): SqlFragment {
  return new SqlFragment([text], []);
}

/** The fragments one after another with `separator` (plain SQL text) between them; empty for none. */
export function join(fragments: readonly SqlFragment[], separator: string): SqlFragment {
  if (fragments.length === 0) return raw('');
  return new SqlFragment(['', ...fragments.slice(1).map(() => separator), ''], fragments);
}

/** Runs a built fragment on `db` (`name`: a prepared statement, for hot statements of constant text). */
export function queryRows<T>(db: Sql, fragment: SqlFragment, name?: string): Promise<T[]> {
  const { text, values } = fragment.build();
  return db.query<T>(text, values, name);
}
