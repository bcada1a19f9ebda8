/** The local issuer's accounts. Sign-in is one click on the issuer's page; there are no passwords. */
export interface DevAccount {
  id: string;
  username: string;
  name: string;
  email: string;
}

export const devAccounts: readonly DevAccount[] = [
  { id: 'alice', username: 'alice', name: 'Alice Admin', email: 'alice@wharf.localhost' },
  { id: 'bob', username: 'bob', name: 'Bob Builder', email: 'bob@wharf.localhost' },
  { id: 'carol', username: 'carol', name: 'Carol Coder', email: 'carol@wharf.localhost' },
];

export const findDevAccount = (idOrUsername: string) =>
  devAccounts.find((a) => a.id === idOrUsername || a.username === idOrUsername);
