import { Component, type ErrorInfo, type ReactNode } from 'react';
import { describeError } from './error-message.tsx';

interface Props {
  children: ReactNode;
  /** When this changes (e.g. the URL), a caught error is cleared and the children render again. */
  resetKey?: string;
}
interface State {
  error: unknown;
  resetKey: string | undefined;
}

/** Catches a render error in a page so the header (and the way out) keeps working. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: undefined, resetKey: props.resetKey } : null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('Page crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <div className="callout callout-error stack-sm" role="alert">
        <h1>This page stopped working</h1>
        <p>{describeError(this.state.error)}</p>
        <div className="row">
          <button type="button" className="btn" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>
          <a className="btn btn-ghost" href="/">
            Go to your workspaces
          </a>
        </div>
      </div>
    );
  }
}
