// Reading secrets for a request: decrypt on demand, never cache plaintext beyond the call.
// Keys: WAYMARK_MASTER_KEY seals; it and WAYMARK_PREVIOUS_MASTER_KEYS (old keys, comma-
// separated, kept only while a rotation is under way) open, each value by its key id.
import { NonRetryableError } from "../core/errors";
import { database } from "./client";
import { findSecret, listSealedSecrets, resealSecret } from "./secrets";
import { decryptSecret, encryptSecret, importMasterKey, type MasterKey } from "../security/secret-crypto";

/** The optional secret of old keys is not declared in wrangler.toml, so it is typed here. */
type KeyringEnv = Pick<Env, "WAYMARK_MASTER_KEY"> & { WAYMARK_PREVIOUS_MASTER_KEYS?: string };

interface Keyring {
  /** Seals every new value and every rotated one. */
  current: MasterKey;
  /** The current key first, then the previous ones: what may open a stored value. */
  all: MasterKey[];
}

let cachedKey: { text: string; key: Promise<MasterKey> } | undefined;
let cachedRing: { text: string; ring: Promise<Keyring> } | undefined;

/** The master key, imported once per isolate. */
export function masterKey(env: KeyringEnv): Promise<MasterKey> {
  const text = env.WAYMARK_MASTER_KEY;
  if (!text) throw new NonRetryableError("master_key_missing", "WAYMARK_MASTER_KEY is not set; secrets cannot be used");
  if (cachedKey?.text !== text) cachedKey = { text, key: importMasterKey(text) };
  return cachedKey.key;
}

/** The current key and the previous ones, imported once per isolate and configuration. */
function masterKeyring(env: KeyringEnv): Promise<Keyring> {
  const previous = env.WAYMARK_PREVIOUS_MASTER_KEYS ?? "";
  const text = `${env.WAYMARK_MASTER_KEY}\n${previous}`;
  if (cachedRing?.text !== text) cachedRing = { text, ring: importKeyring(masterKey(env), previous) };
  return cachedRing.ring;
}

async function importKeyring(current: Promise<MasterKey>, previous: string): Promise<Keyring> {
  const texts = previous
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
  const keys = [await current, ...(await Promise.all(texts.map((key) => importMasterKey(key))))];
  return { current: keys[0]!, all: keys };
}

/** Decrypts the named secret; a missing secret is a non-retryable `secret_missing`. */
export async function resolveSecret(env: Env, name: string): Promise<string> {
  const row = await findSecret(database(env.DB), name);
  if (!row) throw new NonRetryableError("secret_missing", `secret ${name} is not set`);
  return decryptSecret((await masterKeyring(env)).all, row, name);
}

export interface RotationResult {
  rotated: number;
  alreadyCurrent: number;
  failed: { name: string; reason: string }[];
}

/**
 * Re-seals every secret under the current key, opening each with the key of its id.
 * One value that cannot be opened (its key is not configured, its bytes were altered)
 * is reported and left as it is; the others still rotate. Safe to run again.
 */
export async function rotateSecrets(env: Env): Promise<RotationResult> {
  const db = database(env.DB);
  const ring = await masterKeyring(env);
  const result: RotationResult = { rotated: 0, alreadyCurrent: 0, failed: [] };
  for (const row of await listSealedSecrets(db)) {
    if (row.keyId === ring.current.id) {
      result.alreadyCurrent += 1;
      continue;
    }
    try {
      const sealed = await encryptSecret(ring.current, await decryptSecret(ring.all, row, row.name), row.name);
      if (await resealSecret(db, row.name, row.keyId, sealed)) result.rotated += 1;
      else result.alreadyCurrent += 1; // rewritten under the current key meanwhile
    } catch (error) {
      if ((error as { code?: unknown }).code !== "secret_undecryptable") throw error;
      result.failed.push({ name: row.name, reason: (error as Error).message });
    }
  }
  return result;
}
