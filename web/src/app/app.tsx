import type { UserManager } from 'oidc-client-ts';
import { StrictMode } from 'react';
import { BrowserRouter } from 'react-router';
import type { ApiClient } from '../api/client.ts';
import { ServicesProvider } from '../api/context.tsx';
import { AuthProvider } from '../auth/auth.tsx';
import type { WebConfig } from '../config.ts';
import { LiveProvider } from '../live/live-context.tsx';
import { AppRoutes } from './routes.tsx';
import './styles.css';

export function App({ config, manager, api }: { config: WebConfig; manager: UserManager; api: ApiClient }) {
  return (
    <StrictMode>
      <ServicesProvider services={{ api, config }}>
        <AuthProvider manager={manager}>
          <LiveProvider>
            <BrowserRouter>
              <AppRoutes />
            </BrowserRouter>
          </LiveProvider>
        </AuthProvider>
      </ServicesProvider>
    </StrictMode>
  );
}
