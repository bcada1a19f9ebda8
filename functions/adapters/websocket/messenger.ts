import {
  type ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionMessenger } from '../../../shared/deploy-ports.ts';

/** Sends JSON messages to WebSocket connections through the API Gateway management API. */
export class ApiGatewayMessenger implements ConnectionMessenger {
  private readonly client: ApiGatewayManagementApiClient;

  constructor(client: ApiGatewayManagementApiClient) {
    this.client = client;
  }

  async send(connectionId: string, message: unknown) {
    try {
      await this.client.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new TextEncoder().encode(JSON.stringify(message)),
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof GoneException ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
      ) {
        return false;
      }
      throw error;
    }
  }
}
