// Reading secrets for a request: decrypt on demand, never cache plaintext beyond the call.
import { NonRetryableError } from "../core/errors";
import { database } from "../db/client";
import { findSecret } from "../db/secrets";
import { decryptSecret, importMasterKey, type MasterKey } from "./secret-crypto";

let cachedKey: { text: string; key: Promise<MasterKey> } | undefined;

/** The master key, imported once per isolate. */
export function masterKey(env: Env): Promise<MasterKey> {
  const text = env.WAYMARK_MASTER_KEY;
  if (!text) throw new NonRetryableError("master_key_missing", "WAYMARK_MASTER_KEY is not set; secrets cannot be used");
  if (cachedKey?.text !== text) cachedKey = { text, key: importMasterKey(text) };
  return cachedKey.key;
}

/** Decrypts the named secret; a missing secret is a non-retryable `secret_missing`. */
export async function resolveSecret(env: Env, name: string): Promise<string> {
  const row = await findSecret(database(env.DB), name);
  if (!row) throw new NonRetryableError("secret_missing", `secret ${name} is not set`);
  return decryptSecret(await masterKey(env), row, name);
}
