// The spelling of a signed approval link inside run state: the engine cannot sign (no
// keys in the pure core), so an approval's `notify` request carries placeholders that
// the task consumer replaces with signed links just before the request leaves.

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL delimits the placeholder precisely because no template can write it.
export const APPROVAL_LINK_PLACEHOLDER_PATTERN = /\u0000approval-link:(approve|reject):(\d+)\u0000/g;

export function approvalLinkPlaceholder(decision: "approve" | "reject", expiresAt: number): string {
  return `\u0000approval-link:${decision}:${expiresAt}\u0000`;
}
