/**
 * The nightly audit inside the server: at SUNSHINE_AUDIT_SCHEDULE (HH:MM, China time; default 02:30;
 * "off" disables it) every city that has ledger money is audited over the twelve service months up
 * to the current one, all rules, as the system. Runs one region at a time; a failure is logged and
 * the next night tries again.
 */
import type pg from 'pg';
import type { Logger } from '../platform/logger.js';
import { todayInChina } from '../platform/id-number.js';
import { runAudit } from './engine.js';
import { auditSchedule } from '../platform/config.js';

export interface AuditScheduler {
  stop(): void;
  /** Runs the audit now (as the schedule would); resolves when every region is done. */
  runNow(): Promise<void>;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Milliseconds from `now` until the next HH:MM in China (UTC+8). */
export function msUntil(schedule: string, now = Date.now()): number {
  const [h, m] = schedule.split(':').map(Number) as [number, number];
  const china = new Date(now + CHINA_OFFSET_MS);
  let next = Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate(), h, m) - CHINA_OFFSET_MS;
  if (next <= now) next += 86_400_000;
  return next - now;
}

/**
 * The service months a nightly run covers: the twelve up to today's, a rolling year. The months of
 * the calendar year so far left a blind spot at every New Year: a rule whose condition ripens months
 * after the month it judges — AR-17, six months after a grant; AR-13, days after an allocation —
 * never saw a grant paid in the second half of a year again once January came.
 */
export function scheduledMonths(today: string): { from: string; to: string } {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const first = new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 7);
  return { from: first, to: today.slice(0, 7) };
}

export function startAuditScheduler(pool: pg.Pool, log: Logger, schedule = auditSchedule()): AuditScheduler {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const runNow = async () => {
    const today = todayInChina();
    const { rows } = await pool.query<{ city: string }>(`select distinct rpad(left(region_code, 4), 12, '0') as city from ledger.lot order by 1`);
    for (const { city } of rows) {
      try {
        const report = await runAudit(pool, { regionCode: city, ...scheduledMonths(today), trigger: 'SCHEDULE', actor: 'audit-scheduler' });
        log.info({ region: city, run: report.id, durationMs: report.durationMs, ...report.counts }, 'scheduled audit done');
      } catch (error) {
        log.error({ err: error, region: city }, 'scheduled audit failed');
      }
    }
  };
  if (schedule === 'off') return { stop: () => {}, runNow };
  if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(schedule)) throw new Error(`SUNSHINE_AUDIT_SCHEDULE must be HH:MM or "off", got "${schedule}"`);
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(() => void runNow().finally(arm), msUntil(schedule));
    timer.unref();
  };
  arm();
  log.info({ schedule, inMs: msUntil(schedule) }, 'nightly audit scheduled (China time)');
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    runNow,
  };
}
