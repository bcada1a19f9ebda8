import { useConfig } from '../../api/context.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
import { CheckboxField } from '../../components/form/fields.tsx';

/** The auto-deploy toggle; when on, how to point the repository's GitHub push webhook at Wharf. */
export function AutoDeployField({
  checked,
  onChange,
  branch,
  error,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  branch: string;
  error?: string | undefined;
}) {
  const config = useConfig();
  const url = config.webhookUrl;
  const local = config.mode === 'local';
  return (
    <div className="stack-sm">
      <CheckboxField
        path="autoDeploy"
        label={`Deploy automatically on every push to ${branch.trim() || 'the branch'}`}
        checked={checked}
        onChange={onChange}
        error={error}
        hint="Needs a GitHub webhook on the repository (once per repository)."
      />
      {checked && (
        <section className="callout callout-info stack-sm" aria-labelledby="webhook-steps">
          <h3 id="webhook-steps">Set up the GitHub webhook</h3>
          <ol className="steps">
            <li>
              In GitHub, open the repository, then <strong>Settings</strong> → <strong>Webhooks</strong> →{' '}
              <strong>Add webhook</strong>.
            </li>
            <li>
              <strong>Payload URL</strong>:{' '}
              {url ? (
                <span className="row">
                  <span className="code">{url}</span>
                  <CopyButton text={url} label="Copy URL" />
                </span>
              ) : (
                'ask your Wharf operator for the webhook URL.'
              )}
            </li>
            <li>
              <strong>Content type</strong>: <span className="code">application/json</span>
            </li>
            <li>
              <strong>Secret</strong>: the webhook secret from your Wharf operator
              {local && (
                <>
                  {' '}
                  (on this local platform: the contents of <span className="code">.wharf/webhook-secret</span>
                  )
                </>
              )}
              .
            </li>
            <li>
              <strong>Which events</strong>: “Just the push event”. Then press <strong>Add webhook</strong>.
            </li>
          </ol>
          {local && (
            <p className="small">
              GitHub can deliver to this URL only if it is reachable from the internet (for example through a
              tunnel). Locally you can always deploy with the Deploy button instead.
            </p>
          )}
        </section>
      )}
    </div>
  );
}
