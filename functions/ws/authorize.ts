import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { logger } from '../lib/logger.ts';
import { tokenVerifier } from '../lib/wiring/tokens.ts';

const verifier = tokenVerifier();

/**
 * The WebSocket API's REQUEST authorizer on $connect: browsers cannot set headers on a WebSocket,
 * so the access token comes as the `token` query parameter and is verified like the HTTP API's JWTs.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error('Unauthorized');
  let claims: Record<string, unknown>;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    logger.info('websocket token refused', { reason: (error as Error).message });
    throw new Error('Unauthorized');
  }
  const userId = String(claims.sub);
  return {
    principalId: userId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { userId, username: String(claims.preferred_username ?? claims.username ?? userId) },
  };
}
