// Secrets at rest: AES-GCM under the master key, bound to their name.
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, importMasterKey } from "../../src/security/secret-crypto";

const KEY_BASE64 = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE="; // 32 bytes
const undecryptable = expect.objectContaining({ code: "secret_undecryptable" });

describe("secret encryption", () => {
  it("round-trips a value under the same key and name", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const sealed = await encryptSecret(key, "sk_live_ünïcødé 🔑", "STRIPE_KEY");
    expect(sealed.ciphertext).not.toContain("sk_live");
    expect(await decryptSecret(key, sealed, "STRIPE_KEY")).toBe("sk_live_ünïcødé 🔑");
  });

  it("uses a fresh 12-byte IV for each value", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const first = await encryptSecret(key, "same", "NAME");
    const second = await encryptSecret(key, "same", "NAME");
    expect(Buffer.from(first.iv, "base64")).toHaveLength(12);
    expect(first.iv).not.toBe(second.iv);
    expect(first.ciphertext).not.toBe(second.ciphertext);
  });

  it("detects a tampered ciphertext", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const sealed = await encryptSecret(key, "value", "NAME");
    const bytes = Buffer.from(sealed.ciphertext, "base64");
    bytes[0]! ^= 1;
    await expect(decryptSecret(key, { ...sealed, ciphertext: bytes.toString("base64") }, "NAME")).rejects.toThrow(
      undecryptable,
    );
  });

  it("refuses to open a value under another name (aad)", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const sealed = await encryptSecret(key, "value", "NAME");
    await expect(decryptSecret(key, sealed, "OTHER")).rejects.toThrow(undecryptable);
  });

  it("refuses to open a value with another master key, saying which key sealed it", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const other = await importMasterKey(randomBytes(32).toString("base64"));
    const sealed = await encryptSecret(key, "value", "NAME");
    await expect(decryptSecret(other, sealed, "NAME")).rejects.toThrow(
      expect.objectContaining({ code: "secret_undecryptable", message: expect.stringContaining(key.id) }),
    );
    await expect(decryptSecret(other, { ...sealed, keyId: other.id }, "NAME")).rejects.toThrow(undecryptable);
  });

  it("stamps the key id on each value; the id is stable and tells keys apart", async () => {
    const key = await importMasterKey(KEY_BASE64);
    const again = await importMasterKey(` ${KEY_BASE64}\n`);
    const other = await importMasterKey(randomBytes(32).toString("base64"));
    expect(key.id).toMatch(/^[0-9a-f]{8}$/);
    expect(again.id).toBe(key.id);
    expect(other.id).not.toBe(key.id);
    expect((await encryptSecret(key, "v", "N")).keyId).toBe(key.id);
  });

  it("uses 32 bytes of base64 as the key itself (id = SHA-256 of those bytes)", async () => {
    const raw = Buffer.from(KEY_BASE64, "base64");
    const expectedId = createHash("sha256").update(raw).digest("hex").slice(0, 8);
    expect((await importMasterKey(KEY_BASE64)).id).toBe(expectedId);
    expect((await importMasterKey(raw.toString("base64url"))).id).toBe(expectedId);
  });

  it("derives a key from any other strong string with HKDF-SHA-256 (so stored secrets stay readable)", async () => {
    const passphrase = "correct horse battery staple, but longer";
    const key = await importMasterKey(passphrase);
    const derived = Buffer.from(hkdfSync("sha256", passphrase, "waymark/master-key", "waymark secrets v1", 32));
    expect(key.id).toBe(createHash("sha256").update(derived).digest("hex").slice(0, 8));
    expect((await importMasterKey(passphrase)).id).toBe(key.id);
    expect(await decryptSecret(key, await encryptSecret(key, "v", "N"), "N")).toBe("v");
  });

  it("rejects a master key too short to be strong", async () => {
    await expect(importMasterKey("short")).rejects.toThrow(/at least 16 characters/);
  });
});
