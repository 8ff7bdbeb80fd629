/**
 * Logs (pino). JSON lines for machines — one object per line on stdout, what a log collector
 * reads — and pretty, human-readable lines (pino-pretty) when stdout is a terminal. LOG_FORMAT
 * (`json` or `pretty`) overrides the choice. One logger for the process; modules take a child.
 */
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';
import { logFormatSetting, logLevel } from './config.js';

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT when set, otherwise pretty on a terminal and JSON anywhere else (a file, a pipe, a collector). */
export function logFormat(env: { LOG_FORMAT?: string } = { LOG_FORMAT: logFormatSetting() }, stdoutIsTerminal = Boolean(process.stdout.isTTY)): LogFormat {
  const chosen = env.LOG_FORMAT;
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  if (chosen) throw new Error(`LOG_FORMAT must be "json" or "pretty", got "${chosen}"`);
  return stdoutIsTerminal ? 'pretty' : 'json';
}

const options: LoggerOptions = {
  level: logLevel(),
  base: { service: 'sunshine' },
  redact: ['req.headers.authorization'],
};

/** Written synchronously, so that a line logged just before process.exit is not lost. */
function prettyStream(): DestinationStream {
  return PinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export const logger = logFormat() === 'pretty' ? pino(options, prettyStream()) : pino(options);

export type Logger = typeof logger;
