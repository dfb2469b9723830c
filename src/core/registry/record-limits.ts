/** Bounds on what one record may hold: every record in etcd is written by a peer we do not trust. */
export const RECORD_LIMITS = {
  bytes: 256 * 1024,
  agents: 1000,
  text: 1024,
  short: 128,
  list: 32,
} as const;
