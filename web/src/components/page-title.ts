import { useEffect } from 'react';

/** Sets the tab title, so history, tabs and screen readers name the page. */
export function usePageTitle(title: string | undefined) {
  useEffect(() => {
    document.title = title ? `${title} · Wharf` : 'Wharf';
  }, [title]);
}
