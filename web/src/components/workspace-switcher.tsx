import type { WorkspaceView } from '@shared/api.ts';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { paths } from '../app/paths.ts';
import { CreateWorkspaceForm } from '../pages/workspaces/create-workspace-form.tsx';

/**
 * The header's workspace menu: a disclosure button with the caller's workspaces as links (keyboard and
 * screen readers handle links natively) and a form to create one. Escape or a click outside closes it.
 */
export function WorkspaceSwitcher({
  workspaces,
  currentId,
}: {
  workspaces: readonly WorkspaceView[];
  currentId: string | undefined;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const location = useLocation();
  const current = workspaces.find((w) => w.id === currentId);

  // Following a link (or creating a workspace) closes the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes on every navigation
  useEffect(() => setOpen(false), [location.pathname]);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div className="menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="btn btn-sm"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        aria-label={current ? `Workspace: ${current.name}` : 'Workspaces'}
      >
        <span className="truncate">{current?.name ?? 'Workspaces'}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id={panelId} className="menu-panel stack">
          <nav aria-label="Your workspaces" className="stack-sm">
            <h2 className="small muted">Your workspaces</h2>
            <ul className="menu-list">
              {workspaces.map((w) => (
                <li key={w.id}>
                  <Link to={paths.workspace(w.id)} aria-current={w.id === currentId ? 'true' : undefined}>
                    <span className="truncate">{w.name}</span>
                    <span className="small muted">{w.personal ? 'personal' : w.role}</span>
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <CreateWorkspaceForm idPrefix="switcher-workspace" />
        </div>
      )}
    </div>
  );
}
