import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DeliveryPort, deliveryAdapterModule } from '../../functions/sfn/definition.ts';
import { accessOf, deployedHandlers } from './handler-access.ts';
import { functionsDir } from './paths.ts';

/** The delivery adapters a handler module imports itself (`import '…/lib/delivery/<name>.ts'`). */
function importedPorts(handler: string): DeliveryPort[] {
  const file = join(functionsDir, `${handler}.ts`);
  const source = readFileSync(file, 'utf8');
  const modules = [...source.matchAll(/^import '([^']+)';$/gm)].map((m) =>
    relative(functionsDir, resolve(dirname(file), m[1] as string)),
  );
  return (Object.entries(deliveryAdapterModule) as Array<[DeliveryPort, string]>)
    .filter(([, module]) => modules.includes(module))
    .map(([port]) => port);
}

describe('delivery adapters per function', () => {
  it.each(deployedHandlers())('%s imports exactly the adapters its access entry lists', (handler) => {
    expect(importedPorts(handler).sort()).toEqual([...(accessOf(handler).adapters ?? [])].sort());
  });
});
