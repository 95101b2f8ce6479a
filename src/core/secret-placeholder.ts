// The one spelling of a secret inside run state: `{{ secrets.NAME }}` renders to a
// placeholder that only the task consumer, just before a request leaves, replaces.

export const SECRET_PLACEHOLDER_PATTERN = /\u0000secret:([^\u0000]+)\u0000/g;

export function secretPlaceholder(name: string): string {
  return `\u0000secret:${name}\u0000`;
}
