// The documents the reference CRM's database references: its `documents` table (id, file_path,
// size_bytes, sha256), read in batches through the source connector. The profile hands this list
// to the manifest and the uploader.

import type { SourceConnection } from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import type { ReferencedDocument } from './manifest.ts';

export async function readCrmReferencedDocuments(
  source: SourceConnection,
  signal?: AbortSignal,
): Promise<ReferencedDocument[]> {
  const table = (await source.listTables()).find((t) => t.name === 'documents');
  if (table === undefined) {
    throw new FerryError('FERRY_TABLE_NOT_FOUND', `${source.location} has no "documents" table`, {
      hint: 'Check that the installation database is a CRM database (profile crm).',
    });
  }
  const out: ReferencedDocument[] = [];
  const warnings = { invalidUtf8: 0, zeroDates: 0 };
  const batches = source.read(
    table,
    ['id', 'file_path', 'size_bytes', 'sha256'],
    { key: ['id'], lower: null, upper: null },
    { batchRows: 5000, batchBytes: 4 << 20, ...(signal === undefined ? {} : { signal }) },
    warnings,
  );
  for await (const batch of batches) {
    for (const [id, path, size, sha256] of batch.rows) {
      if (typeof id !== 'string' || typeof path !== 'string') continue;
      out.push({
        id,
        path: path.replace(/\\/g, '/').replace(/^\/+/, ''),
        size: typeof size === 'string' ? Number(size) : null,
        sha256: typeof sha256 === 'string' ? sha256.trim().toLowerCase() : null,
      });
    }
  }
  return out;
}
