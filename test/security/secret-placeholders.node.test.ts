// Secrets cross run state as placeholders; the consumer substitutes them and masks them back.
import { describe, expect, it } from "vitest";
import {
  maskSecrets,
  secretNamesIn,
  secretPlaceholder,
  substituteSecrets,
} from "../../src/security/secret-placeholders";

const TOKEN = secretPlaceholder("SHOP_TOKEN");
const KEY = secretPlaceholder("API_KEY");

describe("secretNamesIn", () => {
  it("finds placeholders anywhere in a JSON value, keys included, each name once", () => {
    const request = {
      url: `https://shop.example/?key=${KEY}`,
      headers: { Authorization: `Bearer ${TOKEN}`, [`X-${KEY}`]: "1" },
      body: [{ nested: [`${TOKEN}:${KEY}`] }, 42, null, true],
    };
    expect(secretNamesIn(request)).toEqual(["API_KEY", "SHOP_TOKEN"]);
  });

  it("finds nothing in a value without placeholders", () => {
    expect(secretNamesIn({ a: "{{ secrets.X }}", b: ["secret:X"], c: 1 })).toEqual([]);
  });
});

describe("substituteSecrets", () => {
  it("replaces every placeholder inside strings, deeply, and leaves other values alone", () => {
    const request = {
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: { pair: [`${TOKEN}/${KEY}`], n: 1, ok: false },
    };
    expect(substituteSecrets(request, { SHOP_TOKEN: "tok", API_KEY: "key" })).toEqual({
      headers: { Authorization: "Bearer tok" },
      body: { pair: ["tok/key"], n: 1, ok: false },
    });
  });

  it("does not modify its input", () => {
    const request = { header: TOKEN };
    substituteSecrets(request, { SHOP_TOKEN: "tok" });
    expect(request.header).toBe(TOKEN);
  });

  it("fails without retry, naming the secret, when a secret is missing", () => {
    expect(() => substituteSecrets({ a: KEY }, { SHOP_TOKEN: "tok" })).toThrow(
      expect.objectContaining({ code: "secret_missing", message: expect.stringContaining("API_KEY") }),
    );
  });

  it("never resolves a name from Object.prototype", () => {
    expect(() => substituteSecrets(secretPlaceholder("constructor"), {})).toThrow(
      expect.objectContaining({ code: "secret_missing" }),
    );
  });
});

describe("maskSecrets", () => {
  it("masks every occurrence of every secret value in strings and keys", () => {
    const output = { body: { echo: "Bearer tok and tok again", tok: "key" }, list: ["xkeyx"] };
    expect(maskSecrets(output, ["tok", "key"])).toEqual({
      body: { echo: "Bearer *** and *** again", "***": "***" },
      list: ["x***x"],
    });
  });

  it("ignores empty secret values", () => {
    expect(maskSecrets({ a: "plain" }, ["", "zzz"])).toEqual({ a: "plain" });
  });

  it("masks a leftover placeholder", () => {
    expect(maskSecrets({ header: `Bearer ${TOKEN}` }, [])).toEqual({ header: "Bearer ***" });
  });

  it("masks a longer secret whole when a shorter one is inside it", () => {
    expect(maskSecrets("abc-abcdef", ["abc", "abcdef"])).toBe("***-***");
  });

  it("masks the percent-encoded and JSON-escaped forms of a value", () => {
    const secret = 'p@ss w/"q"&';
    const url = `https://x.example/?k=${encodeURIComponent(secret)}&f=${new URLSearchParams({ f: secret }).toString().slice(2)}`;
    expect(maskSecrets({ url, text: JSON.stringify({ s: secret }) }, [secret])).toEqual({
      url: "https://x.example/?k=***&f=***",
      text: '{"s":"***"}',
    });
  });

  it("leaves numbers, booleans and null as they are", () => {
    expect(maskSecrets({ n: 12345, b: true, z: null }, ["12345", "true"])).toEqual({ n: 12345, b: true, z: null });
  });
});
