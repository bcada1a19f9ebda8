import type { Run } from '@shared/deploy.ts';
import { useConfig } from '../../api/context.tsx';
import { CopyButton } from '../../components/copy-button.tsx';

/** The AWS console page of a Step Functions execution; the region comes from config or the ARN. */
export function executionConsoleUrl(executionArn: string, region?: string): string | undefined {
  const arnRegion = executionArn.split(':')[3];
  const where = region || arnRegion;
  if (!where || !/^[a-z0-9-]+$/.test(where)) return undefined;
  return `https://${where}.console.aws.amazon.com/states/home?region=${where}#/v2/executions/details/${executionArn}`;
}

/** From the run to its workflow execution: the console in AWS, the `npm run sfn` command locally. */
export function ExecutionLink({ run }: { run: Pick<Run, 'id' | 'executionArn'> }) {
  const config = useConfig();
  if (config.mode === 'local') {
    const command = `npm run sfn -- describe ${run.id}`;
    return (
      <span className="row">
        <code className="code">{command}</code>
        <CopyButton text={command} label="Copy command" />
      </span>
    );
  }
  const url = run.executionArn ? executionConsoleUrl(run.executionArn, config.region) : undefined;
  if (!url) return <span className="muted">The execution starts in a moment.</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer">
      Open the execution in the Step Functions console{' '}
      <span className="visually-hidden">(opens in a new tab)</span>
    </a>
  );
}
