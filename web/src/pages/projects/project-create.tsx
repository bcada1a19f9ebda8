export function ProjectCreatePage() {
  return <p>Not built yet</p>;
}
