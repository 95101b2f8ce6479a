// Master key rotation: POST /api/secrets/rotate re-seals every secret
// under the current WAYMARK_MASTER_KEY, opening each with the key of its id from
// WAYMARK_PREVIOUS_MASTER_KEYS; a value whose key is not configured is reported, not lost.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { findSecret } from "../../src/db/secrets";
import { importMasterKey } from "../../src/security/secret-crypto";
import { resolveSecret } from "../../src/db/secret-store";
import { callWithBindings, expectJson } from "../support/workers/api";

interface Rotation {
  rotated: number;
  alreadyCurrent: number;
  failed: { name: string; reason: string }[];
}

const OLD_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, index) => index + 1)));
const NEW_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, index) => 200 - index)));
const keys = (current: string, previous?: string) =>
  ({
    ...env,
    WAYMARK_MASTER_KEY: current,
    ...(previous ? { WAYMARK_PREVIOUS_MASTER_KEYS: previous } : {}),
  }) as unknown as Env;

const rotate = async (withEnv: Env) =>
  expectJson<Rotation>(await callWithBindings(withEnv, "POST", "/api/secrets/rotate"), 200);
const storedKeyId = async (name: string) => (await findSecret(database(env.DB), name))?.keyId;
const uniqueSecret = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8).replace(/-/g, "")}`;

describe("rotating the master key", () => {
  it("re-encrypts a secret under the new key id, and it still decrypts to the same value", async () => {
    const [oldKey, newKey] = await Promise.all([importMasterKey(OLD_KEY), importMasterKey(NEW_KEY)]);
    const name = uniqueSecret("ROTATE");
    await expectJson(
      await callWithBindings(keys(OLD_KEY), "PUT", `/api/secrets/${name}`, { value: "sk_live_rotating" }),
      201,
    );
    expect(await storedKeyId(name)).toBe(oldKey.id);

    const result = await rotate(keys(NEW_KEY, `${OLD_KEY}`));
    expect(result.rotated).toBeGreaterThanOrEqual(1);
    expect(result.failed.map((failure) => failure.name)).not.toContain(name);
    expect(await storedKeyId(name)).toBe(newKey.id);
    expect(await resolveSecret(keys(NEW_KEY), name)).toBe("sk_live_rotating");
  });

  it("counts a secret already under the current key as alreadyCurrent and leaves it as it is", async () => {
    const name = uniqueSecret("CURRENT");
    await expectJson(await callWithBindings(keys(NEW_KEY), "PUT", `/api/secrets/${name}`, { value: "v" }), 201);
    const before = await findSecret(database(env.DB), name);
    const result = await rotate(keys(NEW_KEY, OLD_KEY));
    expect(result.alreadyCurrent).toBeGreaterThanOrEqual(1);
    expect(await findSecret(database(env.DB), name)).toEqual(before);
  });

  it("reports a secret whose old key is not configured as failed, with its key id, and keeps it", async () => {
    const oldKey = await importMasterKey(OLD_KEY);
    const name = uniqueSecret("ORPHAN");
    await expectJson(await callWithBindings(keys(OLD_KEY), "PUT", `/api/secrets/${name}`, { value: "v" }), 201);
    const result = await rotate(keys(NEW_KEY));
    const failure = result.failed.find((entry) => entry.name === name);
    expect(failure?.reason).toContain(oldKey.id);
    expect(failure?.reason).not.toContain('v"');
    expect(await storedKeyId(name)).toBe(oldKey.id);
    expect(await resolveSecret(keys(NEW_KEY, OLD_KEY), name)).toBe("v");
  });

  it("opens a value by its key id before the rotation: the current key or any previous one", async () => {
    const name = uniqueSecret("BYKEYID");
    await expectJson(
      await callWithBindings(keys(OLD_KEY), "PUT", `/api/secrets/${name}`, { value: "still-readable" }),
      201,
    );
    expect(await resolveSecret(keys(NEW_KEY, ` ${env.WAYMARK_MASTER_KEY}, ${OLD_KEY} `), name)).toBe("still-readable");
    await expect(resolveSecret(keys(NEW_KEY), name)).rejects.toMatchObject({ code: "secret_undecryptable" });
  });
});
