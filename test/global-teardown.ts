import fs from 'node:fs';
import type { DatabaseServer } from '../platform/database.js';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__sunshineDatabase as { server: DatabaseServer; dataDir: string } | undefined;
  if (!state) return;
  await state.server.stop();
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
