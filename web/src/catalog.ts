// The catalogue (GET /v1/catalog): what is on sale. Loaded once per session.
import { api } from "./api";

export interface Tier {
  gbps: number;
  monthly: string;
}
export interface Range {
  from_gbps: number;
  to_gbps: number;
  daily: string;
}
export interface PriceClass {
  base: Tier[];
  elastic: Range[];
  max_elastic_gbps: number;
}
export interface Network extends PriceClass {
  region: string;
  line: string;
  available: boolean; // a pool there has a free address (else orders are refused: no_capacity)
  forwarding: { per_gb: string; per_mbps_day: string; measure: string; included_mbps: number };
}
export interface HdpRegion extends PriceClass {
  region: string;
}
export interface Catalog {
  currency: string;
  billing_time_zone: string;
  months: number[];
  discounts: { min_months: number; off: string }[];
  max_quantity: number;
  products: {
    hdip: { networks: Network[]; forwarding_modes: string[] };
    hdp: {
      regions: HdpRegion[];
      scopes: string[];
      ip_count_factors: { ip_count: number; factor: string }[];
      first_purchase_min_months: number;
    };
  };
}

let cached: Promise<Catalog> | null = null;
export function catalog(): Promise<Catalog> {
  cached ??= api.get<Catalog>("/v1/catalog").catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}
