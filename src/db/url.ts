/** What a database URL names, without opening it (no driver loaded: the CLI uses these at start). */

/** True when the URL names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The SQLite file a non-PostgreSQL URL names (`sqlite:` / `sqlite://` prefix removed). */
export function sqliteFile(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
