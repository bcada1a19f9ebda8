import { createContext, type ReactNode, useContext } from 'react';
import type { WebConfig } from '../config.ts';
import type { ApiClient } from './client.ts';

/** The app's API client and runtime config, provided once at the top (tests provide fakes). */
export interface AppServices {
  api: ApiClient;
  config: WebConfig;
}

const ServicesContext = createContext<AppServices | undefined>(undefined);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

export const useApi = () => useServices().api;
export const useConfig = () => useServices().config;
