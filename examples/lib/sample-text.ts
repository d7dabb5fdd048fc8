/**
 * How a generation sample is printed: the seed (prompt) and the generated text on
 * separate labelled lines, each quoted, so the reader sees where the model's own
 * text begins (and any newline or trailing space it produced).
 */
export function formatSample(seed: string, generated: string): string {
  return `seed:      ${JSON.stringify(seed)}\ngenerated: ${JSON.stringify(generated)}`;
}
