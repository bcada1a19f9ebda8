import { Outlet } from 'react-router';

export function Shell() {
  return <Outlet />;
}
export function HomeRedirect() {
  return <p>Not built yet</p>;
}
export function NotFoundPage() {
  return <p>Not found</p>;
}
