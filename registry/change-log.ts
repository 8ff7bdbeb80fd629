/**
 * The change log of the mutable records (elder, facility, caregiver): which fields changed, when and
 * by whom, never the values.
 */
import { group } from './reads.js';
import { RegistryRoom, ts } from './store.js';

export interface ChangeRecord {
  id: string;
  fields: string[];
  recordedAt: string;
  recordedBy: string;
}

export class ChangeLog extends RegistryRoom {
  /** Which fields of each record changed, when and by whom (never the values), oldest first. */
  async changes(entityType: 'Elder' | 'Facility' | 'Caregiver', ids: readonly string[]): Promise<Map<string, ChangeRecord[]>> {
    return group(
      await this.sql.query<ChangeRecord & { key: string }>(
        `select c.entity_id::text as key, c.id::text, c.fields, ${ts('c.recorded_at')} as "recordedAt", c.recorded_by as "recordedBy"
         from registry.change_log c where c.entity_type = $1 and c.entity_id = any($2::bigint[]) order by c.entity_id, c.id`,
        [entityType, ids],
      ),
    );
  }
}
