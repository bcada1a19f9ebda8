import { useEffect, useState } from 'react';

/** Copies `text` to the clipboard and says so (politely, to screen readers too). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };

  return (
    <span className="row">
      <button type="button" className="btn btn-sm" onClick={copy}>
        {label}
      </button>
      <span role="status" className="small muted">
        {state === 'copied'
          ? 'Copied'
          : state === 'failed'
            ? 'Copy failed — select the text and copy it'
            : ''}
      </span>
    </span>
  );
}
