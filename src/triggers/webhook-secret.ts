// A webhook trigger's `verify.secret` is usually `{{ secrets.NAME }}`: resolve it from
// the secret store. A secret that cannot be resolved verifies nothing (null).
import type { SecretRow } from "../db/secrets";
import { openSecret, resolveSecret } from "../db/secret-store";

const SECRET_TEMPLATE = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The secrets a template names, in order. */
export function webhookSecretNames(template: string | undefined): string[] {
  return template === undefined ? [] : [...template.matchAll(SECRET_TEMPLATE)].map((match) => match[1]!);
}

export async function resolveWebhookSecret(env: Env, template: string | undefined): Promise<string | null> {
  return fillTemplate(template, (name) => resolveSecret(env, name));
}

/** The template filled from secret rows the caller read (`rows[i]` for the i-th of webhookSecretNames). */
export async function webhookSecretFromRows(
  env: Env,
  template: string | undefined,
  rows: (SecretRow | undefined)[],
): Promise<string | null> {
  const names = webhookSecretNames(template);
  return fillTemplate(template, (name) => openSecret(env, name, rows[names.indexOf(name)]));
}

async function fillTemplate(
  template: string | undefined,
  secret: (name: string) => Promise<string>,
): Promise<string | null> {
  if (template === undefined) return null;
  try {
    const values = new Map(
      await Promise.all(webhookSecretNames(template).map(async (name) => [name, await secret(name)] as const)),
    );
    return template.replace(SECRET_TEMPLATE, (_whole, name: string) => values.get(name)!);
  } catch (error) {
    console.error("webhook secret could not be resolved", (error as Error).message);
    return null;
  }
}
