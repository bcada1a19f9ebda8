import type { DomainCheck } from '@shared/api.ts';
import { CopyButton } from './copy-button.tsx';

const TLS: Record<NonNullable<DomainCheck['tls']>, string> = {
  issued: 'Certificate issued',
  pending: 'Certificate pending: it is issued once the record resolves',
  failed: 'Certificate failed: check the record, then save the domain again',
};

/**
 * A custom domain's DNS record to create (name and value each with a copy button), whether it
 * resolves to the platform now, and the platform address that keeps serving meanwhile. `of` names
 * the environment in the buttons' names when a page shows several.
 */
export function DomainCheckDetails({
  check,
  platformUrl,
  of,
}: {
  check: DomainCheck;
  platformUrl?: string | undefined;
  of?: string | undefined;
}) {
  const { record, resolves, tls } = check;
  const suffix = of ? ` of ${of}` : '';
  return (
    <div className="stack-sm domain-check">
      <p className="small">
        At your DNS provider, create this record (a <abbr title="canonical name">CNAME</abbr> points the
        domain at the platform):
      </p>
      <dl className="dl">
        <dt>Type</dt>
        <dd>
          <code>{record.type}</code>
        </dd>
        <dt>Name</dt>
        <dd className="row">
          <code>{record.name}</code>
          <CopyButton text={record.name} label={`Copy record name${suffix}`} />
        </dd>
        <dt>Value</dt>
        <dd className="row">
          <code>{record.value}</code>
          <CopyButton text={record.value} label={`Copy record value${suffix}`} />
        </dd>
        <dt>DNS</dt>
        <dd>
          {resolves === true ? (
            <span>
              <span aria-hidden="true">✓ </span>
              {record.name} resolves to the platform
            </span>
          ) : resolves === false ? (
            <span>
              <span aria-hidden="true">✗ </span>
              {record.name} does not resolve to the platform yet (a new record can take up to an hour to be
              seen)
            </span>
          ) : (
            <span className="muted">Could not check DNS just now; reload to try again</span>
          )}
        </dd>
        {tls && (
          <>
            <dt>TLS</dt>
            <dd>{TLS[tls]}</dd>
          </>
        )}
      </dl>
      {platformUrl && (
        <p className="small">
          Meanwhile the platform address keeps serving: <code>{platformUrl}</code>
        </p>
      )}
    </div>
  );
}
