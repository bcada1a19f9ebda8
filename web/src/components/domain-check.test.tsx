import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DomainCheckDetails } from './domain-check.tsx';

const record = { type: 'CNAME' as const, name: 'shop.example.com', value: 'lb.example.net' };

describe('DomainCheckDetails', () => {
  it('says when the record is in place, and the certificate state where known', () => {
    render(<DomainCheckDetails check={{ record, resolves: true, tls: 'pending' }} of="production" />);
    expect(screen.getByText('shop.example.com resolves to the platform')).toBeInTheDocument();
    expect(screen.getByText(/Certificate pending/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy record name of production' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy record value of production' })).toBeInTheDocument();
  });

  it('says DNS could not be checked rather than guessing, and shows no TLS line without a state', () => {
    render(<DomainCheckDetails check={{ record }} />);
    expect(screen.getByText(/Could not check DNS just now/)).toBeInTheDocument();
    expect(screen.queryByText('TLS')).not.toBeInTheDocument();
  });
});
