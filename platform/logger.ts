/** Structured JSON logs (pino). One logger for the process; modules take a child with their name. */
import { pino } from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'sunshine' },
  redact: ['req.headers.authorization'],
});

export type Logger = typeof logger;
