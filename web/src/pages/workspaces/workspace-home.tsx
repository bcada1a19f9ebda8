export function WorkspaceHome() {
  return <p>Not built yet</p>;
}
