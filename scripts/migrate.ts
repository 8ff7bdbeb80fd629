/** npm run migrate — applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';

const platform = await bootPlatform(loadConfig(), logger);
await platform.close();
logger.info('database is up to date');
