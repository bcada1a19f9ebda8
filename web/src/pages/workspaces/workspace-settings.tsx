export function WorkspaceSettings() {
  return <p>Not built yet</p>;
}
