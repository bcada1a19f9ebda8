import type { EnvVarView } from '@shared/domain.ts';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { type EnvRow, EnvVarEditor, envRowsFromView, envRowsToInput } from './env-var-editor.tsx';

/** The editor with its rows in state, exposing the body it would send. */
function Harness({ initial = [] }: { initial?: EnvVarView[] }) {
  const [rows, setRows] = useState<EnvRow[]>(() => envRowsFromView(initial));
  return (
    <>
      <EnvVarEditor rows={rows} onChange={setRows} errors={{}} />
      <output data-testid="body">{JSON.stringify(envRowsToInput(rows))}</output>
    </>
  );
}
const body = () => JSON.parse(screen.getByTestId('body').textContent ?? '[]');

describe('EnvVarEditor', () => {
  it('adds rows (focusing the new name) and removes them', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    expect(screen.getByText('No variables yet.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    expect(screen.getByLabelText('Variable name')).toHaveFocus();
    await user.keyboard('NODE_ENV');
    await user.type(screen.getByLabelText('Value'), 'production');
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.keyboard('PORT');
    expect(body()).toEqual([
      { name: 'NODE_ENV', value: 'production', secret: false },
      { name: 'PORT', value: '', secret: false },
    ]);

    await user.click(screen.getByRole('button', { name: 'Remove variable NODE_ENV' }));
    expect(body()).toEqual([{ name: 'PORT', value: '', secret: false }]);
    expect(screen.getByRole('button', { name: 'Add variable' })).toHaveFocus();
  });

  it('masks the value of a secret', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.keyboard('STRIPE_KEY');
    expect(screen.getByLabelText('Value')).toHaveAttribute('type', 'text');

    await user.click(screen.getByLabelText('Secret'));
    const value = screen.getByLabelText('Secret value');
    expect(value).toHaveAttribute('type', 'password');
    expect(value).toHaveAttribute('autocomplete', 'new-password');
    await user.type(value, 'sk_live_123');
    expect(body()).toEqual([{ name: 'STRIPE_KEY', value: 'sk_live_123', secret: true }]);
  });

  it('keeps stored secrets write-only: "•••• set", sent without a value until replaced', async () => {
    const user = userEvent.setup();
    const { container } = render(
      <Harness
        initial={[
          { name: 'NODE_ENV', secret: false, value: 'production' },
          { name: 'STRIPE_KEY', secret: true, set: true },
        ]}
      />,
    );
    const secretRow = screen.getByRole('group', { name: 'Variable 2: STRIPE_KEY' });
    expect(within(secretRow).getByText('•••• set')).toBeInTheDocument();
    expect(within(secretRow).queryByLabelText(/value/i, { selector: 'input' })).toBeNull();
    // No input anywhere holds anything but the plain variable's own value.
    const values = [...container.querySelectorAll('input')].map((i) => i.value);
    expect(values).toEqual(['NODE_ENV', 'production', 'on', 'STRIPE_KEY', 'on']);
    expect(body()).toEqual([
      { name: 'NODE_ENV', value: 'production', secret: false },
      { name: 'STRIPE_KEY', secret: true },
    ]);

    await user.click(within(secretRow).getByRole('button', { name: 'Replace the value of STRIPE_KEY' }));
    const replacement = within(secretRow).getByLabelText('Secret value');
    expect(replacement).toHaveFocus();
    expect(replacement).toHaveValue('');
    expect(replacement).toHaveAttribute('type', 'password');
    await user.type(replacement, 'sk_new');
    expect(body()[1]).toEqual({ name: 'STRIPE_KEY', value: 'sk_new', secret: true });

    await user.click(within(secretRow).getByRole('button', { name: 'Keep the stored value' }));
    expect(body()[1]).toEqual({ name: 'STRIPE_KEY', secret: true });
  });

  it('says when a name appears twice, next to the second one', async () => {
    const user = userEvent.setup();
    render(<Harness initial={[{ name: 'API_URL', secret: false, value: 'a' }]} />);
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.keyboard('API_URL');
    const second = screen.getAllByLabelText('Variable name')[1] as HTMLElement;
    expect(second).toHaveAttribute('aria-invalid', 'true');
    expect(second).toHaveAccessibleDescription('Variable name must be unique; API_URL appears twice');
    expect(screen.getAllByLabelText('Variable name')[0]).not.toHaveAttribute('aria-invalid');
  });

  it('asks for the value again when a kept secret is renamed', async () => {
    const user = userEvent.setup();
    render(<Harness initial={[{ name: 'TOKEN', secret: true, set: true }]} />);
    const name = screen.getByLabelText('Variable name');
    await user.clear(name);
    await user.type(name, 'API_TOKEN');
    expect(name).toHaveAccessibleDescription(/cannot change while the stored value is kept/);
  });
});
