// Sign in with an API token. It is checked against /api/me before it is kept, and kept
// only in this browser (localStorage) until "Sign out".
import { Api, ApiError } from "../api";
import { h, replaceChildren } from "../dom";
import type { Me } from "../types";

export function signInPage(onSignedIn: (token: string, me: Me) => void, message?: string): HTMLElement {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help",
  });
  const feedback = h(
    "div",
    { class: "feedback", "aria-live": "assertive" },
    message ? h("p", { class: "notice notice-error", role: "alert" }, message) : null,
  );
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "sign-in card", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title", tabindex: "-1" }, "Sign in to Waymark"),
    h("label", { for: "token" }, "API token"),
    input,
    h(
      "p",
      { id: "token-help", class: "muted" },
      "A token from an admin (POST /api/tokens), or the admin token `npm start` prints. It stays in this browser until you sign out.",
    ),
    feedback,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === "") return;
    button.disabled = true;
    replaceChildren(feedback, h("p", { class: "muted", role: "status" }, "Checking the token…"));
    try {
      onSignedIn(token, await new Api(token).me());
    } catch (error) {
      const text =
        error instanceof ApiError && error.status === 401
          ? "That token is not valid (unknown, revoked or expired)."
          : error instanceof Error
            ? error.message
            : String(error);
      replaceChildren(feedback, h("p", { class: "notice notice-error", role: "alert" }, text));
      button.disabled = false;
      input.focus();
    }
  });
  return h("main", { id: "main", class: "centered" }, form);
}
