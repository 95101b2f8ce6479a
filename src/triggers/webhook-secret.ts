// A webhook trigger's `verify.secret` is usually `{{ secrets.NAME }}`: resolve it from
// the secret store. A secret that cannot be resolved verifies nothing (null).
import { resolveSecret } from "../db/secret-store";
import { RecentReads } from "../db/recent-reads";

const SECRET_TEMPLATE = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The secrets a template names, in order. */
function webhookSecretNames(template: string | undefined): string[] {
  return template === undefined ? [] : [...template.matchAll(SECRET_TEMPLATE)].map((match) => match[1]!);
}

const secrets = new RecentReads<string | null>();

/** The template filled from the secret store, as resolved within the last second (db/recent-reads.ts). */
export function recentWebhookSecret(env: Env, template: string | undefined): Promise<string | null> {
  if (template === undefined) return Promise.resolve(null);
  return secrets.read(template, Date.now(), () => fillTemplate(template, (name) => resolveSecret(env, name)));
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
