/**
 * Parts of an answer that arrive as JSON text (the region tree path's, built by PostgreSQL) go into
 * the response body as they are, instead of being parsed into objects only to be serialised again
 * (the two were a third of a deep query's server CPU).
 */
import crypto from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';

/** A value of `data` held as its JSON text; anything serialising it without stringifyResult still gets the value. */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** Marks where a raw part goes: no value of an answer can hold this process's random nonce. */
const MARK = `\u0000raw-json-${crypto.randomBytes(12).toString('hex')}-`;

/** Apollo Server's stringifyResult: its own (JSON.stringify and a newline), with RawJson fields of `data` spliced in. */
export function stringifyResult(value: FormattedExecutionResult): string {
  const data = value.data;
  const raws: string[] = [];
  const marked = data && Object.fromEntries(Object.entries(data).map(([key, v]) => [key, v instanceof RawJson ? `${MARK}${raws.push(v.text) - 1}` : v]));
  if (raws.length === 0) return `${JSON.stringify(value)}\n`;
  let text = JSON.stringify({ ...value, data: marked });
  // A replacer function: the raw text is inserted as it is ($ patterns of a replacement string would not be).
  raws.forEach((raw, i) => (text = text.replace(JSON.stringify(`${MARK}${i}`), () => raw)));
  return `${text}\n`;
}
