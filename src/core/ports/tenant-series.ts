/**
 * Plateau's own per-tenant series (what the local platform's instances use, the proxy's counts,
 * quotas and expiries), served at `/metrics/tenants` behind the scrape token (ADR 26): each
 * feature gives a collector, asked at every scrape.
 */
export interface TenantSample {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A source of per-tenant samples, asked at each scrape. */
export interface TenantSeriesCollector {
  collect(): Promise<readonly TenantSample[]>;
}
