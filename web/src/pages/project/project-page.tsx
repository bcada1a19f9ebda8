export default function ProjectPage() {
  return <p>Not built yet</p>;
}
