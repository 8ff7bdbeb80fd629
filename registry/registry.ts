/**
 * The registry (登记) as one service: a facade over its rooms, one per record kind — elders/
 * (record and history), assessments/, facilities/ (record and history), caregivers/ (with
 * assignments and staffing), care/ (stays, services), reference data, the access log and the
 * change log. No GraphQL here: scripts (import, demo) use it directly.
 *
 * Writes validate every field and run in one PostgreSQL transaction each, as the application role
 * (store.ts). Reads are batched: every read method takes many keys and runs ONE statement, so
 * DataLoaders bound a nested query's statements by its depth. Scope: list reads take the caller's
 * scope prefix and filter in SQL with an index range; single records are checked by access.ts.
 */
import type pg from 'pg';
import type { Sql } from '../platform/sql.js';
import { Pii } from './personal/pii.js';
import { unmaskCaregivers, unmaskElders, type PersonalField, type PersonalStore } from './personal/unmask.js';
import { reencrypt } from './personal/rekey.js';
import { AccessLog } from './personal/access-log.js';
import { RegistryStore } from './store.js';
import { Elders } from './elders/elders.js';
import { ElderHistory } from './elders/history.js';
import { Assessments } from './assessments/assessments.js';
import { Facilities } from './facilities/facilities.js';
import { FacilityHistory } from './facilities/history.js';
import { Caregivers } from './caregivers/caregivers.js';
import { Staffing } from './caregivers/staffing.js';
import { Stays } from './care/stays.js';
import { Services } from './care/services.js';
import { ReferenceData } from './reference.js';
import { ChangeLog } from './change-log.js';
import type { Actor, ElderClear } from './types.js';

export type { PersonalField } from './personal/unmask.js';
export { fromDatabaseError } from './store.js';

/** The public methods of a room (its store and protected helpers stay inside). */
type Methods<T> = Pick<T, keyof T>;

// The facade answers every public method of every room (installed on its prototype, below).
export interface RegistryService
  extends Methods<Elders>,
    Methods<ElderHistory>,
    Methods<Assessments>,
    Methods<Facilities>,
    Methods<FacilityHistory>,
    Methods<Caregivers>,
    Methods<Staffing>,
    Methods<Stays>,
    Methods<Services>,
    Methods<ReferenceData>,
    Methods<AccessLog>,
    Methods<ChangeLog> {}

/** The rooms whose public methods the facade answers, in the order of `RegistryService.rooms`. */
const ROOMS = [Elders, ElderHistory, Assessments, Facilities, FacilityHistory, Caregivers, Staffing, Stays, Services, ReferenceData, AccessLog, ChangeLog];

export class RegistryService {
  readonly pii: Pii;
  private readonly store: RegistryStore;
  /** This facade's instance of each room of ROOMS, in that order. */
  private readonly rooms: readonly object[];

  /** What the personal-data functions need: the transaction runner and the keys. */
  private readonly personal: PersonalStore;

  constructor(pool: pg.Pool, sql: Sql, pii?: Pii) {
    this.pii = pii ?? new Pii();
    this.store = new RegistryStore(pool, sql, this.pii);
    this.personal = { tx: (fn) => this.tx(fn), pii: this.pii };
    this.rooms = ROOMS.map((Room) => new Room(this.store));
  }

  /**
   * Once per process, each public method of each room becomes a method of the facade's prototype
   * that calls it on this facade's instance of the room. (Binding them onto every instance — one
   * is made per GraphQL request that touches the registry — was ≈ 100 defineProperty calls and 3%
   * of the server's time in the write benchmark.) Two rooms naming one method is a mistake caught here.
   */
  static {
    ROOMS.forEach((Room, index) => {
      const methods = Room.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const name of Object.getOwnPropertyNames(methods)) {
        if (name === 'constructor') continue;
        if (name in RegistryService.prototype) throw new Error(`two registry rooms define ${name}`);
        const method = methods[name]!;
        Object.defineProperty(RegistryService.prototype, name, {
          value: function (this: RegistryService, ...args: unknown[]) {
            return method.apply(this.rooms[index], args);
          },
        });
      }
    });
  }

  /** Runs `fn` in one transaction as the application role; database errors become DomainErrors. */
  tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.store.tx(fn);
  }

  /** Clear personal values of elders, logged in the same transaction (registry/personal/unmask.ts). */
  unmaskElders(elderIds: readonly string[], fields: readonly PersonalField[], reason: string, actor: Actor, scopePrefix: string): Promise<Map<string, Partial<ElderClear>>> {
    return unmaskElders(this.personal, elderIds, fields, reason, actor, scopePrefix);
  }

  /** A caregiver's name in clear, logged in the same transaction (registry/personal/unmask.ts). */
  unmaskCaregivers(ids: readonly string[], reason: string, actor: Actor, scopePrefix: string): Promise<Map<string, { name: string }>> {
    return unmaskCaregivers(this.personal, ids, reason, actor, scopePrefix);
  }

  /** Key rotation: re-encrypts what an older key sealed (registry/personal/rekey.ts). */
  reencrypt(batchSize = 2000, onBatch?: (table: string, done: number) => void): Promise<{ elders: number; caregivers: number }> {
    return reencrypt(this.personal, batchSize, onBatch);
  }
}
