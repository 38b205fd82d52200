// installation.yaml: what an on-premises installation is made of. `ferry demo init` writes one and
// every command that reads an installation accepts one. Paths (an SQLite database, the archive, the
// service config) may be relative to the folder that holds the file; services/installation-file.ts
// resolves them. Pure: no I/O here.

import { z } from 'zod';

export const installationProfiles = ['crm', 'erp'] as const;
export const generatedSizes = ['small', 'medium', 'large'] as const;

const databaseUrl = z
  .string()
  .min(1, 'must name the database')
  .refine((url) => /^(postgres|postgresql|mysql|mariadb|sqlite):/i.test(url), {
    message: 'must be a postgres://, mysql:// or sqlite: URL',
  });

export const installationSchema = z
  .object({
    /** A human name for the installation, shown in plans and reports. */
    name: z.string().min(1, 'must not be empty'),
    /** The application profile that knows this installation's application. */
    profile: z.enum(installationProfiles),
    /** Connection URL of the application database; `sqlite:` paths relative to the file's folder. */
    database: databaseUrl,
    /** Root folder of the document archive. */
    archive: z.string().min(1, 'must name the archive folder'),
    /** Path of the application's service configuration file. */
    serviceConfig: z.string().min(1, 'must name the service config file'),
    /** Present when `ferry demo init` generated the installation. */
    generated: z
      .object({
        size: z.enum(generatedSizes),
        seed: z.number().int().min(0).max(0xffffffff),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Installation = z.infer<typeof installationSchema>;
