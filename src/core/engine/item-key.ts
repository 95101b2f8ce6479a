// An item of a map in flight is a step of its own under the key `<map>[<index>]`: step
// ids cannot hold brackets, so the key never collides with a step of the definition.
const ITEM_KEY = /^(.+)\[(\d+)\]$/;

export function itemKey(map: string, index: number): string {
  return `${map}[${index}]`;
}

export function parseItemKey(key: string): { map: string; index: number } | undefined {
  const match = ITEM_KEY.exec(key);
  return match ? { map: match[1]!, index: Number(match[2]) } : undefined;
}
