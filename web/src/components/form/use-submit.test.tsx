import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type FormEvent, useRef, useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { ErrorSummary, TextField } from './fields.tsx';
import { type Checked, type SubmitOptions, useSubmit } from './use-submit.ts';

/** A one-field form on the helper: `check` and `send` come from the test. */
function NameForm({
  check,
  send,
  options,
}: {
  check: (name: string) => Checked<string>;
  send: (name: string) => Promise<unknown>;
  options?: SubmitOptions;
}) {
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const { busy, errors, failure, run } = useSubmit(form, options);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(() => check(name), send);
  };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-label="Rename">
      <TextField path="name" label="Name" value={name} onChange={setName} error={errors.name} />
      <ErrorSummary messages={failure ? [failure] : []} />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}

const accept = (name: string): Checked<string> => ({ data: name });

function open(props: Partial<Parameters<typeof NameForm>[0]> = {}) {
  const user = userEvent.setup();
  const send = props.send ?? vi.fn(async () => {});
  render(
    <NameForm
      check={props.check ?? accept}
      send={send}
      {...(props.options ? { options: props.options } : {})}
    />,
  );
  return { user, send, field: screen.getByLabelText('Name'), save: screen.getByRole('button') };
}

describe('useSubmit', () => {
  it('shows what the check found next to its field, focuses it, and sends nothing', async () => {
    const { user, send, field, save } = open({ check: () => ({ errors: { name: 'must not be empty' } }) });
    await user.click(save);
    expect(field).toHaveAccessibleDescription('Name must not be empty');
    expect(field).toHaveFocus();
    expect(send).not.toHaveBeenCalled();
  });

  it('puts a check failure in the summary without sending', async () => {
    const { user, send, save } = open({ check: () => ({ failure: 'Nothing changed.' }) });
    await user.click(save);
    expect(screen.getByRole('alert')).toHaveTextContent('Nothing changed.');
    expect(send).not.toHaveBeenCalled();
  });

  it('is busy while sending, ignores a second submit, and is ready again after', async () => {
    let finish = () => {};
    const send = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { user, field, save } = open({ send });
    await user.type(field, 'web{Enter}');
    expect(save).toBeDisabled();
    expect(save).toHaveTextContent('Saving…');
    await user.type(field, '{Enter}');
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith('web');
    finish();
    await waitFor(() => expect(save).toBeEnabled());
  });

  it('puts a server error that names a field next to that field and focuses it', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(409, 'workspace.name_taken', 'name web is taken', 'name');
    });
    const { user, field, save } = open({ send });
    await user.type(field, 'web');
    await user.click(save);
    await waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(field).toHaveAccessibleDescription('Name web is taken');
    expect(field).toHaveFocus();
  });

  it('puts any other server error in the summary, in words a user can act on', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(503, 'workflow.unavailable', 'The deploy workflow could not be started.');
    });
    const { user, field, save } = open({ send });
    await user.type(field, 'web');
    await user.click(save);
    const summary = await screen.findByRole('alert');
    expect(summary).toHaveTextContent('The deploy workflow could not be started. Try again in a moment');
    expect(field).not.toHaveAttribute('aria-invalid', 'true');
    expect(save).toHaveFocus();
  });

  it('moves focus to that summary when asked to', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(503, 'workflow.unavailable', 'The deploy workflow could not be started.');
    });
    const { user, save } = open({ send, options: { focusFailure: true } });
    await user.click(save);
    await waitFor(() => expect(screen.getByRole('alert')).toHaveFocus());
  });

  it('shows even a field error in the summary when the form maps no fields', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(
        400,
        'project.confirmation_required',
        'confirm must equal the project name',
        'confirm',
      );
    });
    const { user, save } = open({ send, options: { fieldErrors: false } });
    await user.click(save);
    expect(await screen.findByRole('alert')).toHaveTextContent('confirm must equal the project name');
  });
});
