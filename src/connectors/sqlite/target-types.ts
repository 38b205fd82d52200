// Ferry logical types → SQLite declared types, when SQLite is the target (pure, no I/O).
//
// The declared type decides the column's affinity, and affinity decides what SQLite stores for the
// canonical text the writer binds. A declared type is chosen so that affinity stores every canonical
// value exactly, and, where affinity allows, so that the name still tells what the column holds.

import type {
  ColumnDefault,
  ColumnMapping,
  ColumnSchema,
  Dialect,
  LogicalKind,
  LogicalType,
} from '../types.ts';
import { NO_DECLARED_TYPE, affinityOf } from './source-types.ts';

/** The rules as a table, for docs: logical type → declared type and why. */
export const targetTypeRules: Record<LogicalKind, { nativeType: string; why: string }> = {
  integer: {
    nativeType: 'BIGINT (64-bit signed), INTEGER (≤ 32 bits, signed or unsigned); TEXT for 64-bit unsigned',
    why: 'INTEGER affinity stores 64-bit signed integers exactly. An unsigned 64-bit value above 2^63-1 would be turned into a REAL by INTEGER or NUMERIC affinity and lose digits, so 64-bit unsigned columns are TEXT.',
  },
  decimal: {
    nativeType: 'TEXT',
    why: 'NUMERIC affinity would convert the digits to INTEGER or to a double (15 significant digits), losing precision and the scale; TEXT keeps the exact digits.',
  },
  float: {
    nativeType: 'REAL (64-bit), FLOAT (32-bit)',
    why: 'REAL affinity; SQLite stores an 8-byte double, which holds every float32 and float64 exactly.',
  },
  boolean: {
    nativeType: 'BOOLEAN',
    why: "NUMERIC affinity stores '1'/'0' as the integers 1/0, as SQLite's TRUE/FALSE are.",
  },
  text: {
    nativeType: 'TEXT, VARCHAR(n), CHAR(n)',
    why: 'TEXT affinity. The length is kept in the name for the reader; SQLite does not enforce it or pad CHAR.',
  },
  binary: { nativeType: 'BLOB', why: 'Bytes as they are.' },
  date: {
    nativeType: 'TEXT',
    why: "Canonical ISO text 'YYYY-MM-DD', which SQLite's date functions understand.",
  },
  time: { nativeType: 'TEXT', why: "Canonical ISO text 'HH:MM:SS[.f]'." },
  timestamp: {
    nativeType: 'TEXT',
    why: "Canonical ISO text 'YYYY-MM-DD HH:MM:SS[.f]' (with time zone: UTC, suffixed 'Z').",
  },
  year: { nativeType: 'INTEGER', why: 'A small integer.' },
  enum: {
    nativeType: 'TEXT',
    why: 'The label; SQLite has no enum type (the allowed values are not enforced).',
  },
  set: { nativeType: 'TEXT', why: "Labels joined by ','." },
  json: {
    nativeType: 'TEXT',
    why: "Document text as the source printed it; a declared 'JSON' would get NUMERIC affinity and turn '1.50' into 1.5.",
  },
  bit: { nativeType: 'TEXT', why: "A string of '0'/'1'." },
  uuid: { nativeType: 'TEXT', why: 'Lowercase hyphenated text.' },
  interval: { nativeType: 'TEXT', why: "PostgreSQL's interval text." },
  unsupported: { nativeType: '—', why: 'Not carried; the reason is reported.' },
};

function nativeTypeFor(type: LogicalType): string | { unsupported: string } {
  switch (type.kind) {
    case 'integer':
      if (type.bits === 64) return type.unsigned ? 'TEXT' : 'BIGINT';
      return 'INTEGER';
    case 'float':
      return type.bits === 32 ? 'FLOAT' : 'REAL';
    case 'boolean':
      return 'BOOLEAN';
    case 'text':
      if (type.maxLength === null) return 'TEXT';
      return `${type.fixed ? 'CHAR' : 'VARCHAR'}(${type.maxLength})`;
    case 'binary':
      return 'BLOB';
    case 'year':
      return 'INTEGER';
    case 'decimal':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'enum':
    case 'set':
    case 'json':
    case 'bit':
    case 'uuid':
    case 'interval':
      return 'TEXT';
    case 'unsupported':
      return { unsupported: type.reason };
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** A SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const NUMBER_LITERAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function renderDefault(
  value: ColumnDefault,
  type: LogicalType,
  nativeType: string,
  sourceDialect: Dialect,
): { sql: string | null; note?: string } {
  switch (value.kind) {
    case 'current-timestamp':
      return { sql: 'CURRENT_TIMESTAMP' };
    case 'expression':
      if (sourceDialect === 'sqlite')
        return { sql: value.sql.startsWith('(') ? value.sql : `(${value.sql})` };
      return {
        sql: null,
        note: `default expression ${value.sql} of the ${sourceDialect} source is not carried`,
      };
    case 'literal': {
      const affinity = affinityOf(nativeType);
      if (type.kind === 'binary' && /^\\x([0-9a-f]{2})*$/i.test(value.value))
        return { sql: `X'${value.value.slice(2)}'` };
      if (affinity !== 'TEXT' && affinity !== 'BLOB' && NUMBER_LITERAL.test(value.value))
        return { sql: value.value };
      return { sql: quoteLiteral(value.value) };
    }
    default: {
      const never: never = value;
      return never;
    }
  }
}

/** Map one source column to a SQLite column, or say why it cannot be carried. */
export function mapColumn(column: ColumnSchema, sourceDialect: Dialect): ColumnMapping {
  const notes: string[] = [];
  let nativeType: string;
  if (sourceDialect === 'sqlite') {
    // Same dialect: keep the declared type exactly, so affinity stores what the source stored.
    nativeType = column.nativeType === NO_DECLARED_TYPE ? '' : column.nativeType;
  } else {
    const mapped = nativeTypeFor(column.type);
    if (typeof mapped !== 'string') return { ok: false, reason: mapped.unsupported };
    nativeType = mapped;
    if (column.type.kind === 'integer' && column.type.bits === 64 && column.type.unsigned) {
      notes.push(
        '64-bit unsigned integers are stored as TEXT: INTEGER affinity would turn values above 2^63-1 into REAL and lose digits',
      );
    } else if (column.type.kind === 'decimal') {
      notes.push('decimals are stored as TEXT: NUMERIC affinity would round them through a double');
    }
  }
  let generatedSql: string | null = null;
  if (column.generated !== null) {
    if (sourceDialect === 'sqlite') generatedSql = column.generated.expression;
    else
      notes.push(
        `generated column (${column.generated.expression}) becomes a plain column holding the copied values`,
      );
  }
  let defaultSql: string | null = null;
  if (column.default !== null && generatedSql === null) {
    const rendered = renderDefault(column.default, column.type, nativeType, sourceDialect);
    defaultSql = rendered.sql;
    if (rendered.note !== undefined) notes.push(rendered.note);
  }
  if (column.autoIncrement && sourceDialect !== 'sqlite') {
    notes.push(
      'auto-increment is not recreated: SQLite only auto-assigns an INTEGER PRIMARY KEY declared in CREATE TABLE',
    );
  }
  return {
    ok: true,
    column: {
      name: column.name,
      nativeType,
      type: column.type,
      nullable: column.nullable,
      defaultSql,
      generatedSql,
    },
    notes,
  };
}
