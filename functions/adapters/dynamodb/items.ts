import type * as z from 'zod';

/**
 * Reading items back: every item is parsed against the schema of what its entity stores, never cast.
 * Each adapter defines the schemas of its entities (so a function's bundle carries only the schemas
 * of the adapters it uses) with `storedAs<T>()`, which holds a schema to its domain type at compile
 * time.
 *
 * The schemas check shape (types, enums, required fields), not input rules such as name lengths:
 * those were checked when the item was written, and tightening a rule later must not make stored
 * items unreadable. Attributes a schema does not name are dropped, so an item written by a newer
 * version (one more field) still reads.
 */

/** The table's own attributes: keys, index keys, the entity tag and the TTL. */
const TABLE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'expiresAt'] as const;

/**
 * A stored item that does not have the shape its entity is stored in: a fault of the platform (a
 * bad migration, a hand edit, a bug in a writer), never of the caller, so it is not a DomainError:
 * HTTP answers 500 and the workflow's catch-all fails the run. The message names the item and the
 * first attribute that does not match, never the stored values.
 */
export class StoredItemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredItemError';
  }
}

/** The item's attributes without the table's own, parsed by `schema`; a StoredItemError if they do not match. */
export function parseItem<S extends z.ZodType>(schema: S, item: Record<string, unknown>): z.output<S> {
  const attributes: Record<string, unknown> = { ...item };
  for (const name of TABLE_ATTRIBUTES) delete attributes[name];
  const parsed = schema.safeParse(attributes);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'the item';
  throw new StoredItemError(
    `Stored ${describe(item)} does not have the shape it is stored in: ${where} ${issue?.message ?? 'is invalid'}.`,
  );
}

/** The primary key of an item read back (to write to the same item again). */
export function itemKey(item: Record<string, unknown>): { pk: string; sk: string } {
  const { pk, sk } = item;
  if (typeof pk === 'string' && typeof sk === 'string') return { pk, sk };
  throw new StoredItemError(`Stored ${describe(item)} has no string pk and sk.`);
}

const describe = (item: Record<string, unknown>) => {
  const key = [item.pk, item.sk].filter((part) => typeof part === 'string').join(' ');
  return `${typeof item.entity === 'string' ? item.entity : 'item'}${key ? ` ${key}` : ''}`;
};

/** True when `A` and `B` are the same type: no field missing or extra, optional ones included. */
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * `storedAs<Run>()(z.object({…}))`: the schema, unchanged, if what it parses is exactly `Run`; a
 * compile error otherwise, so a field added to the domain type cannot be dropped on read unnoticed.
 */
export const storedAs =
  <T>() =>
  <S extends z.ZodType>(
    schema: S & (Same<z.output<S>, T> extends true ? unknown : { 'parses a different type': T }),
  ): S =>
    schema;
