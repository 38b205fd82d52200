// A company's initialization job (pure): the states and the one rule every caller shares.
//
//   queued ──(a worker claims it)──► running ──► succeeded
//     │                                 │   └──► failed (the hook threw, or its lease expired)
//     └──(no worker took it in time)────┴──────► failed
//
// `succeeded` and `failed` are final for that job; starting the company's initialization again
// queues a new job (the row is replaced). While `queued` or `running` the company is *busy*: it
// cannot be initialized again nor added to or removed from the migration's company selection.

export const companyInitializationStatuses = ['queued', 'running', 'succeeded', 'failed'] as const;
export type CompanyInitializationStatus = (typeof companyInitializationStatuses)[number];

export function isBusy(status: CompanyInitializationStatus): boolean {
  switch (status) {
    case 'queued':
    case 'running':
      return true;
    case 'succeeded':
    case 'failed':
      return false;
    default: {
      const never: never = status;
      return never;
    }
  }
}
