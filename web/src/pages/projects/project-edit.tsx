export function ProjectEditPage() {
  return <p>Not built yet</p>;
}
