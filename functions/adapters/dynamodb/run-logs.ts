import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { LogLine, LogStream } from '../../../shared/deploy.ts';
import type { RunLogStore } from '../../../shared/deploy-ports.ts';
import type { TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes, seqKey } from './keys.ts';

const logLineSchema = storedAs<LogLine>()(
  z.object({
    seq: z.number(),
    at: z.string(),
    stream: z.enum(['build', 'workflow']),
    text: z.string(),
  }),
);
/** A chunk item (it also keeps firstSeq and lastSeq, which its key already orders by). */
const logChunkSchema = z.object({ lines: z.array(logLineSchema) });
/** The counter's new value, as the update returns it. */
const logCounterSchema = z.object({ nextSeq: z.number() });

const MAX_LINE = 8 * 1024;
/** Lines per item: one write stores a whole batch, so a noisy build costs few writes on its key. */
const CHUNK_BYTES = 300 * 1024;

/**
 * A run's log as numbered chunks: one counter update reserves a block of sequence numbers, then one
 * item per chunk holds the lines. Chunks are keyed by their last sequence number, so "lines after N"
 * is one Query with `sk > N`.
 */
export class DynamoRunLogs implements RunLogStore {
  constructor(private readonly table: TableRef) {}

  async append(
    runId: string,
    input: Array<{ stream: LogStream; text: string; at?: string }>,
  ): Promise<LogLine[]> {
    if (input.length === 0) return [];
    const { Attributes } = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.logCounter(runId),
        UpdateExpression: 'ADD nextSeq :n',
        ExpressionAttributeValues: { ':n': input.length },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const last = parseItem(logCounterSchema, Attributes ?? {}).nextSeq;
    const first = last - input.length + 1;
    const now = new Date().toISOString();
    const lines: LogLine[] = input.map((l, i) => ({
      seq: first + i,
      at: l.at ?? now,
      stream: l.stream,
      text:
        l.text.length > MAX_LINE
          ? `${l.text.slice(0, MAX_LINE)} … [line cut at ${MAX_LINE} characters]`
          : l.text,
    }));
    let chunk: LogLine[] = [];
    let size = 0;
    const writes: Promise<unknown>[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const lastSeq = (chunk.at(-1) as LogLine).seq;
      writes.push(
        this.table.doc.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: {
              ...keys.logChunk(runId, lastSeq),
              entity: 'log',
              firstSeq: chunk[0]?.seq,
              lastSeq,
              lines: chunk,
            },
          }),
        ),
      );
      chunk = [];
      size = 0;
    };
    for (const line of lines) {
      const bytes = line.text.length + 64;
      if (size + bytes > CHUNK_BYTES) flush();
      chunk.push(line);
      size += bytes;
    }
    flush();
    await Promise.all(writes);
    return lines;
  }

  async list(runId: string, after: number, limit: number) {
    const lines: LogLine[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    let more = false;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: { ':pk': prefixes.runLog(runId), ':after': seqKey(after) },
          ExclusiveStartKey,
          Limit: 20,
        }),
      );
      for (const item of page.Items ?? []) {
        for (const line of parseItem(logChunkSchema, item).lines) {
          if (line.seq <= after) continue;
          if (lines.length >= limit) {
            more = true;
            break;
          }
          lines.push(line);
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && !more && lines.length < limit);
    return { lines, more: more || Boolean(ExclusiveStartKey && lines.length >= limit) };
  }
}
