/** Exit codes of the `durabletask` command, distinct so that scripts can branch on them. */
export const ExitCode = {
  OK: 0,
  /** The command ran and failed (an error from the store or the sidecar). */
  FAILURE: 1,
  /** A mistake in the command line. */
  USAGE: 2,
  /** The instance or schedule named does not exist. */
  NOT_FOUND: 3,
  /** The store or the sidecar could not be reached. */
  UNREACHABLE: 4,
} as const;
