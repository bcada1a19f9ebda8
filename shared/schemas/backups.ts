import { z } from 'zod';

/** `POST …/backups`: nothing to choose (production is the one environment backed up); `{}` or no body. */
export const backUpNowSchema = z.strictObject({});
