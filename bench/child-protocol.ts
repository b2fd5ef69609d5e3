/** Prefix of the one stdout line a child writes with its JSON result (other output is ignored). */
export const RESULT_MARKER = 'BENCH_RESULT ';
