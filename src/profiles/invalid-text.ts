// Characters in text values that the cloud service's text handling rejects or mangles, although
// every source database stores them: C0 control characters other than tab, line feed and carriage
// return, DEL, zero-width spaces and joiners, the byte-order mark, and trailing whitespace.
// Found by the `*.invalid-characters` checks; fixed on the tenant copy by sanitize
// (`sanitizeText`: delete the invisible characters, then drop trailing whitespace). Pure.

// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200D\uFEFF]|\s$/u;

/** True when `text` holds a character the cloud rejects, or ends in whitespace. */
export function hasInvalidCharacters(text: string): boolean {
  return INVALID.test(text);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what it removes
const REMOVED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200D\uFEFF]/gu;
const TRAILING_WHITESPACE = /\s+$/u;

/**
 * The sanitize rule: every character `hasInvalidCharacters` objects to is deleted (control
 * characters, DEL, zero-width spaces and joiners, byte-order marks — they are invisible, so deleting
 * them keeps what a reader sees), then trailing whitespace is removed. Tab, line feed and carriage
 * return inside the text stay. The result never has invalid characters; a clean text is returned
 * unchanged, so applying it twice changes nothing more.
 */
export function sanitizeText(text: string): string {
  return text.replace(REMOVED, '').replace(TRAILING_WHITESPACE, '');
}

/** `text` quoted, with invisible characters shown as `\uXXXX`, cut to `max` characters. */
export function showInvisible(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex -- showing control characters is the point
  const shown = cut.replace(/[\u0000-\u001F\u007F\u200B-\u200D\uFEFF]|\s$/gu, (c) =>
    c === ' ' ? '␠' : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
  return `"${shown}"`;
}
