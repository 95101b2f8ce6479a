// The verified body as the trigger's `input` mapping sees it.
import { describe, expect, it } from "vitest";
import { parseWebhookBody } from "../../../src/triggers/webhook/parse-body";

const bytes = (text: string) => new TextEncoder().encode(text);
const badRequest = expect.objectContaining({ code: "bad_request" });

describe("webhook bodies", () => {
  it("parses JSON, including +json types and a charset parameter", () => {
    expect(parseWebhookBody(bytes('{"order":{"id":42}}'), "application/json; charset=utf-8")).toEqual({
      order: { id: 42 },
    });
    expect(parseWebhookBody(bytes('{"type":"ping"}'), "application/cloudevents+json")).toEqual({ type: "ping" });
  });

  it("reads an empty JSON body as null", () => {
    expect(parseWebhookBody(new Uint8Array(), "application/json")).toBeNull();
  });

  it("opens the JSON in a Slack interactivity form's payload field", () => {
    const payload = {
      type: "block_actions",
      user: { id: "U061F7AUR" },
      actions: [{ action_id: "approve", value: "order-42" }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    expect(parseWebhookBody(bytes(body), "application/x-www-form-urlencoded")).toEqual({ payload });
  });

  it("turns a slash command form into an object of strings", () => {
    const body = "command=%2Fdeploy&text=shop+v2&team_id=T1DC2JH3J&text_empty=";
    expect(parseWebhookBody(bytes(body), "application/x-www-form-urlencoded")).toEqual({
      command: "/deploy",
      text: "shop v2",
      team_id: "T1DC2JH3J",
      text_empty: "",
    });
  });

  it("keeps a form's payload field as text when it is not JSON, and repeated fields as an array", () => {
    const parsed = parseWebhookBody(bytes("payload=hello&tag=a&tag=b&tag=c"), "application/x-www-form-urlencoded");
    expect(parsed).toEqual({ payload: "hello", tag: ["a", "b", "c"] });
  });

  it("keeps a form field named __proto__ as data", () => {
    const parsed = parseWebhookBody(bytes("__proto__=x&__proto__=y"), "application/x-www-form-urlencoded") as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual(["x", "y"]);
  });

  it("gives any other body as UTF-8 text", () => {
    expect(parseWebhookBody(bytes("disk full on db-1 ✓"), "text/plain")).toBe("disk full on db-1 ✓");
    expect(parseWebhookBody(bytes("<xml/>"), null)).toBe("<xml/>");
  });

  it("refuses a body that is not UTF-8", () => {
    expect(() => parseWebhookBody(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "text/plain")).toThrow(badRequest);
  });

  it("refuses malformed JSON sent as JSON", () => {
    expect(() => parseWebhookBody(bytes('{"order":'), "application/json")).toThrow(badRequest);
  });
});

describe("webhook bodies past the API's shape limits", () => {
  it("refuses JSON nested deeper than the limit with a 400", () => {
    const deep = "[".repeat(100) + "]".repeat(100);
    expect(() => parseWebhookBody(new TextEncoder().encode(deep), "application/json")).toThrow(
      expect.objectContaining({ code: "bad_request" }),
    );
  });
});
