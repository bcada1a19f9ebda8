import { readFile } from 'node:fs/promises';
import { notFound } from '../../../shared/errors.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { settings } from '../../lib/wiring/ports.ts';

const { mode, env } = settings();

/**
 * Sample repositories, local platform only: the local stack serves them over git smart HTTP and
 * writes their catalog (name, clone URL, description) to WHARF_SAMPLES_FILE at start.
 */
export const handler = httpHandler({}, async () => {
  const file = env.WHARF_SAMPLES_FILE;
  if (mode !== 'local' || !file)
    throw notFound('samples.local_only', 'Sample repositories exist only on the local platform.');
  return json(200, { items: JSON.parse(await readFile(file, 'utf8')) });
});
