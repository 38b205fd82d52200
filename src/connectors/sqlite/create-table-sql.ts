// Reading the parts of a CREATE TABLE statement that no PRAGMA reports: the expression of a
// generated column and the AUTOINCREMENT keyword. A small tokenizer that respects SQLite's quoting
// ('text', "name", `name`, [name]) and comments, splitting the column list at top-level commas.

interface ColumnClause {
  name: string;
  /** The definition after the name, as written. */
  body: string;
}

/** Length of the quoted token or comment starting at `i`, or 0. */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i];
  const close = c === '[' ? ']' : c === "'" || c === '"' || c === '`' ? c : null;
  if (close !== null) {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === close) {
        if (close !== ']' && sql[j + 1] === close) j += 2;
        else return j + 1 - i;
      } else j++;
    }
    return sql.length - i;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return (end < 0 ? sql.length : end) - i;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return (end < 0 ? sql.length : end + 2) - i;
  }
  return 0;
}

/** Split the parenthesised column/constraint list of a CREATE TABLE at top-level commas. */
export function splitDefinitions(createSql: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < createSql.length;) {
    const skip = skipQuoted(createSql, i);
    if (skip > 0) {
      i += skip;
      continue;
    }
    const c = createSql[i];
    if (c === '(') {
      depth++;
      if (depth === 1) start = i + 1;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        parts.push(createSql.slice(start, i));
        break;
      }
    } else if (c === ',' && depth === 1) {
      parts.push(createSql.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  return parts.map((p) => p.trim());
}

function unquote(token: string): string {
  const c = token[0];
  if (c === '[') return token.slice(1, -1);
  if (c === '"' || c === '`' || c === "'") return token.slice(1, -1).replaceAll(c + c, c);
  return token;
}

function leadingName(text: string): ColumnClause | null {
  // Skip comments before the name.
  let definition = text.trimStart();
  while (definition.startsWith('--') || definition.startsWith('/*')) {
    definition = definition.slice(skipQuoted(definition, 0)).trimStart();
  }
  const skip = skipQuoted(definition, 0);
  if (skip > 0) return { name: unquote(definition.slice(0, skip)), body: definition.slice(skip) };
  const match = /^[^\s(]+/.exec(definition);
  if (match === null) return null;
  return { name: match[0], body: definition.slice(match[0].length) };
}

/** The body of the parenthesised group opening at `open` (exclusive of the parentheses). */
function parenthesised(sql: string, open: number): string | null {
  let depth = 0;
  for (let i = open; i < sql.length;) {
    const skip = skipQuoted(sql, i);
    if (skip > 0) {
      i += skip;
      continue;
    }
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return sql.slice(open + 1, i);
    i++;
  }
  return null;
}

/** Position of keyword `word` outside quotes and parentheses in `sql`, or -1. */
function findKeyword(sql: string, word: string): number {
  const upper = word.toUpperCase();
  let depth = 0;
  for (let i = 0; i < sql.length;) {
    const skip = skipQuoted(sql, i);
    if (skip > 0) {
      i += skip;
      continue;
    }
    const c = sql[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (
      depth === 0 &&
      sql.slice(i, i + upper.length).toUpperCase() === upper &&
      !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? ' ') &&
      !/[A-Za-z0-9_$]/.test(sql[i + upper.length] ?? ' ')
    ) {
      return i;
    }
    i++;
  }
  return -1;
}

export interface ColumnExtras {
  generatedExpression: string | null;
  autoIncrement: boolean;
}

/** Generated expressions and AUTOINCREMENT per column name, from the table's CREATE statement. */
export function columnExtras(createSql: string): Map<string, ColumnExtras> {
  const out = new Map<string, ColumnExtras>();
  for (const definition of splitDefinitions(createSql)) {
    const clause = leadingName(definition);
    if (clause === null) continue;
    let generatedExpression: string | null = null;
    const as = findKeyword(clause.body, 'AS');
    if (as >= 0) {
      const open = clause.body.indexOf('(', as);
      if (open >= 0) generatedExpression = parenthesised(clause.body, open)?.trim() ?? null;
    }
    const key = clause.name.toLowerCase();
    if (out.has(key)) continue; // a table constraint (PRIMARY KEY (…)) after a column of that name
    out.set(key, {
      generatedExpression,
      autoIncrement: findKeyword(clause.body, 'AUTOINCREMENT') >= 0,
    });
  }
  return out;
}
