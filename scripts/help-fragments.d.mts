/** Types of help-fragments.mjs (the build runs it as plain JavaScript; the tests import it). */
export function expandHelp(html: string, fragmentsDir: string): string;
