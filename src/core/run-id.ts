// Deterministic run ids: a run that must start once however often it is asked for (a cron
// tick, a child run whose start is retried) gets the same id every time. Pure: WebCrypto's
// digest is deterministic and needs no I/O.
import { encodeTime } from "ulid";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The id of a run that must start once however often it is asked for (a cron tick, a
 * retried or overlapping scheduler): `run_` + a ULID whose time part is `time` and whose
 * 80 random bits are the first 10 bytes of SHA-256(seed). Same (time, seed), same id.
 * Async because WebCrypto digests are.
 */
export async function deterministicRunId(time: number, seed: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed)));
  return `run_${encodeTime(time, 10)}${base32(digest.subarray(0, 10))}`;
}

/** Crockford base32 of whole bytes, 5 bits per character (10 bytes → 16 characters). */
function base32(bytes: Uint8Array): string {
  let text = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += CROCKFORD[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return text;
}
