export default function RunPage() {
  return <p>Not built yet</p>;
}
