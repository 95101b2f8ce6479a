// User text becomes an FTS5 MATCH expression that cannot be malformed: every word is
// quoted (so quotes, operators like AND/NEAR, column filters and `*` are just text) and
// the words are OR-ed, leaving the ranking to BM25. Common English words are left out.

/** Words beyond this many are ignored. */
export const MAX_QUERY_TERMS = 32;

/**
 * English words too common to rank by: OR-ed in, they would bring any passage holding them.
 * Dropped only when the query has other words, so "to be or not to be" still searches.
 */
const STOPWORDS = new Set(
  "a an and are as at be but by can do does for from had has have how i if in is it its me my no not of on or our so that the their them then there these they this to was we were what when where which who why will with you your".split(
    " ",
  ),
);

/** The MATCH expression for `text`, or null when it holds no word to search for. */
export function ftsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const meaningful = words.filter((word) => !STOPWORDS.has(word));
  const terms = (meaningful.length > 0 ? meaningful : words).slice(0, MAX_QUERY_TERMS);
  return terms.length === 0 ? null : terms.map((term) => `"${term}"`).join(" OR ");
}
