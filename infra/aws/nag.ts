import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag names each IAM5 finding after the wildcard resource as it appears in the template,
 * flattened the way cdk-nag's own `flattenCfnReference` does (not exported by cdk-nag 3): literals
 * as they are, `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>`, `Fn::ImportValue` as the export name.
 */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const n = node as Record<string, unknown>;
  if (n['Fn::Join']) {
    const [delimiter, items] = n['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnReference).join(delimiter);
  }
  if (n['Fn::Sub']) return flattenCfnReference(n['Fn::Sub']);
  if (n['Fn::GetAtt']) {
    const [resource, attribute] = n['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
  }
  if (n['Fn::ImportValue']) return flattenCfnReference(n['Fn::ImportValue']);
  if (n.Ref) return `<${flattenCfnReference(n.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges the AwsSolutions-IAM5 finding of one wildcard resource in `scope`'s policies, with a
 * reason. The resource must not come from another stack through an automatic reference (those turn
 * into imports only after this runs); pass such values through a named export instead.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
