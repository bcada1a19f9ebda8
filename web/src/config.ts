import * as z from 'zod';

/**
 * Runtime settings, read from /config.json so one build serves every stage: the local gateway
 * writes it from the embedded issuer, CloudFront serves the file the CDK app writes at deploy.
 */
const webConfigSchema = z.object({
  issuer: z.string().url(),
  clientId: z.string().min(1),
  audience: z.string().optional(),
  apiUrl: z.string().min(1).default('/api'),
  webSocketUrl: z.string().min(1).default('/ws'),
  /** `local`: the laptop stack (samples, `npm run sfn` hints); `cloud`: AWS. */
  mode: z.enum(['local', 'cloud']).default('cloud'),
  /** AWS only: region and state machine, to link a run to its Step Functions execution in the console. */
  region: z.string().optional(),
  stateMachineArn: z.string().optional(),
  /** Where GitHub should send push webhooks (shown in the auto-deploy setup steps). */
  webhookUrl: z.string().optional(),
});
export type WebConfig = z.infer<typeof webConfigSchema>;

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<WebConfig> {
  const response = await fetchImpl('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Could not load /config.json (HTTP ${response.status}).`);
  const parsed = webConfigSchema.safeParse(await response.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`/config.json is not valid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/** Absolute WebSocket URL from a configured path (`/ws`) or URL. */
export function webSocketUrl(config: WebConfig, location: Location = window.location): string {
  if (/^wss?:\/\//.test(config.webSocketUrl)) return config.webSocketUrl;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${config.webSocketUrl}`;
}
