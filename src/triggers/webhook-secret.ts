// A webhook trigger's `verify.secret` is usually `{{ secrets.NAME }}`: resolve it from
// the secret store. A secret that cannot be resolved verifies nothing (null).
import { resolveSecret } from "../security/secret-store";

const SECRET_TEMPLATE = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export async function resolveWebhookSecret(env: Env, template: string | undefined): Promise<string | null> {
  if (template === undefined) return null;
  const names = [...template.matchAll(SECRET_TEMPLATE)].map((match) => match[1]!);
  try {
    const values = new Map(await Promise.all(names.map(async (name) => [name, await resolveSecret(env, name)] as const)));
    return template.replace(SECRET_TEMPLATE, (_whole, name: string) => values.get(name)!);
  } catch (error) {
    console.error("webhook secret could not be resolved", (error as Error).message);
    return null;
  }
}
